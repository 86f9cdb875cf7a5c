"""Users, roles and bearer tokens."""

from sandbox.auth.roles import STAFF_ROLES, Actor, Role

__all__ = ["STAFF_ROLES", "Actor", "Role"]
