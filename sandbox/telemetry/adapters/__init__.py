"""Real device formats mapped onto the wire contract: VDA 5050 (AMR), Frigate (AI camera), MAVLink logs (UAV)."""
