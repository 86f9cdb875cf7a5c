"""Simulators of the devices Sandbox trials: seeded, deterministic, physically plausible, built on devices/.

A simulator is a generator of contract samples and events over simulated time (`sims.uav.UavSim`
works a field in sorties); running one live, in real time or compressed, goes through the device
client like a real device.
"""
