"""The public surface of packages others import is explicit and deliberate (after httpx's test)."""

from __future__ import annotations

import importlib

import pytest

SURFACES = {
    "sandbox.audit": ["AuditEntry", "AuditHead", "AuditProblem", "Verification", "canonical_json", "record", "verify"],
    "sandbox.auth": ["STAFF_ROLES", "Actor", "Role"],
    "sandbox.db": ["Base", "JsonDocument", "Timestamped", "UTCDateTime", "make_engine", "make_session_factory", "new_id"],
    "sandbox.errors": ["AlreadyExists", "AuditChainBroken", "AuthenticationFailed", "BrokerUnavailable",
                       "ConfigurationError", "Conflict",
                       "FieldProblem", "InvalidInput", "NotFound", "PermissionDenied", "SandboxError",
                       "StoreUnavailable", "TransitionForbidden", "TransitionRefused"],
    "sandbox.i18n": ["DEFAULT_LANGUAGE", "Language", "Text", "negotiate_language"],
}


@pytest.mark.parametrize("module_name", sorted(SURFACES))
def test_public_members_are_locked(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(SURFACES[module_name])
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name} is listed in __all__ but missing"


def test_every_error_is_a_sandbox_error_with_a_status_and_both_languages() -> None:
    errors = importlib.import_module("sandbox.errors")
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, Exception):
            assert issubclass(cls, errors.SandboxError)
            assert cls.title.vi and cls.title.en and cls.code
