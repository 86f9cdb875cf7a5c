"""The device side of Sandbox: what a device or its gateway runs to publish telemetry.

Imports nothing of ``sandbox`` beyond the wire contract (``sandbox.telemetry.contract``), so that it
runs on small gateways without the server's dependencies.
"""
