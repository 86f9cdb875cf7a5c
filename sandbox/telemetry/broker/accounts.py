"""Which broker keeps device accounts, from the settings."""

from __future__ import annotations

from sandbox.config import Settings
from sandbox.trials.devices import NO_BROKER_ACCOUNTS, BrokerAccounts

__all__ = ["broker_accounts"]


def broker_accounts(settings: Settings) -> BrokerAccounts:
    """Mosquitto's dynamic security when its admin account is configured; otherwise none to keep.

    The embedded broker needs none: it checks device credentials against this database itself.
    """
    if settings.mqtt_url and settings.mqtt_admin_username:
        from sandbox.telemetry.broker.dynsec import DynamicSecurity

        host, port = settings.mqtt_address
        return DynamicSecurity(host, port, settings.mqtt_admin_username, settings.mqtt_admin_password)
    return NO_BROKER_ACCOUNTS
