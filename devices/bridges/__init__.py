"""Bridges from device formats that do not speak MQTT onto the wire contract."""
