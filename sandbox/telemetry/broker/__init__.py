"""The MQTT broker side: Mosquitto's configuration and accounts (dynamic security), and the embedded broker."""
