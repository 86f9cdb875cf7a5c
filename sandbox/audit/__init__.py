"""Append-only, hash-chained audit log of every change that matters."""

from sandbox.audit.chain import AuditProblem, Verification, canonical_json, record, verify
from sandbox.audit.models import AuditEntry, AuditHead

__all__ = ["AuditEntry", "AuditHead", "AuditProblem", "Verification", "canonical_json", "record", "verify"]
