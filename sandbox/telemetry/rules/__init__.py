"""Live envelope rules: each new sample checked against the trial's plan, episodes of incidents."""
