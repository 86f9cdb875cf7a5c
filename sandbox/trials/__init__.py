"""The trial registry: organisations, products, sandbox plans and their lifecycle, devices.

The core of the service; telemetry and evaluation build on it and it imports neither.
"""
