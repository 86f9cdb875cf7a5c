"""From MQTT messages to committed rows: decode, validate, batch, write once, then acknowledge."""
