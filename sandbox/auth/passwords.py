"""Password and device-secret hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_secret", "needs_rehash", "verify_secret"]

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    # RFC 9106's low-memory profile is argon2-cffi's default; "fast" exists only for the test suite.
    parameters = profiles.CHEAPEST if profile == "fast" else profiles.RFC_9106_LOW_MEMORY
    return PasswordHasher.from_parameters(parameters)


def hash_secret(secret: str, profile: str = "standard") -> str:
    return _hasher(profile).hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    # Any profile verifies any hash: the parameters are encoded in the hash itself.
    try:
        return _hasher("standard").verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, profile: str = "standard") -> bool:
    return _hasher(profile).check_needs_rehash(stored_hash)
