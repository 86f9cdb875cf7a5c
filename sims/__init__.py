"""Simulators of the devices Sandbox trials: seeded, deterministic, physically plausible, built on devices/.

A simulator is a generator of contract samples and events over simulated time: `sims.uav.UavSim`
works a field in sorties, `sims.camera.CameraSim` watches an intersection, `sims.amr.AmrSim` runs
deliveries on a campus (and can speak VDA 5050 through `devices.vda5050`); `sims.faults` makes any
of them misbehave on demand. Running them live, in real time or compressed, goes through the device
client like a real device (`sims.runner`, driven by the scenarios of `sims.scenario`); `sims.load`
offers N devices × a message rate for the benchmark; `sims.baseline` draws the comparisons.
"""
