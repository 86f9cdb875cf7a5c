"""The one exception root of the service and its tree.

Every error the service raises on purpose is a ``SandboxError``. Each carries a bilingual
message that names the value and the fix, a stable machine-readable ``code``, and the HTTP
status the API answers with. Third-party errors are mapped at the boundary with
``raise ... from exc``.

    SandboxError
    ├── ConfigurationError        a setting (environment variable) is wrong          —
    ├── InvalidInput              a value is wrong; points at each field (422)
    ├── AuthenticationFailed      bad password, token missing, expired or revoked   401
    ├── PermissionDenied          the actor's role may not do this                   403
    │   └── TransitionForbidden   this role may not take this lifecycle transition
    ├── NotFound                  no such thing, or not visible to this actor        404
    ├── Conflict                  the request clashes with the current state         409
    │   ├── AlreadyExists         a unique value is taken (tax code, e-mail, serial)
    │   └── TransitionRefused     a lifecycle transition is not allowed from here
    ├── AuditChainBroken          the audit log was edited or shortened              —
    ├── StoreUnavailable          the database cannot be reached or is busy          503
    └── BrokerUnavailable         the MQTT broker cannot be reached or refused a command 503
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.i18n import Text

__all__ = [
    "AlreadyExists",
    "AuditChainBroken",
    "AuthenticationFailed",
    "BrokerUnavailable",
    "ConfigurationError",
    "Conflict",
    "FieldProblem",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "SandboxError",
    "StoreUnavailable",
    "TransitionForbidden",
    "TransitionRefused",
]


class SandboxError(Exception):
    """Root of every error the service raises on purpose."""

    status_code: int = 500
    code: str = "sandbox_error"
    title: Text = Text("Lỗi hệ thống", "Sandbox error")

    def __init__(self, message: Text, **extra: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.extra = extra


class ConfigurationError(SandboxError):
    code = "configuration_error"
    title = Text("Cấu hình không hợp lệ", "Invalid configuration")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field, located by an RFC 6901 JSON pointer (``/sites/0/geofence``)."""

    pointer: str
    message: Text
    extra: dict[str, Any] = field(default_factory=dict)


class InvalidInput(SandboxError):
    status_code = 422
    code = "invalid_input"
    title = Text("Dữ liệu không hợp lệ", "Invalid input")

    def __init__(self, problems: list[FieldProblem], message: Text | None = None) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one FieldProblem")
        if message is None:
            first = problems[0]
            message = Text(f"#{first.pointer}: ", f"#{first.pointer}: ") + first.message
            if len(problems) > 1:
                message = message + Text(
                    f" (và {len(problems) - 1} lỗi khác)", f" (and {len(problems) - 1} more)"
                )
        super().__init__(message)
        self.problems = problems

    @classmethod
    def at(cls, pointer: str, message: Text, **extra: Any) -> InvalidInput:
        return cls([FieldProblem(pointer, message, extra)])


class AuthenticationFailed(SandboxError):
    status_code = 401
    code = "authentication_failed"
    title = Text("Chưa xác thực", "Not authenticated")


class PermissionDenied(SandboxError):
    status_code = 403
    code = "permission_denied"
    title = Text("Không có quyền", "Permission denied")


class TransitionForbidden(PermissionDenied):
    """The actor's role may not take this transition; ``extra`` lists what it may do instead."""

    code = "transition_forbidden"
    title = Text("Vai trò không được chuyển trạng thái này", "Transition not allowed for this role")


class NotFound(SandboxError):
    status_code = 404
    code = "not_found"
    title = Text("Không tìm thấy", "Not found")


class Conflict(SandboxError):
    status_code = 409
    code = "conflict"
    title = Text("Xung đột với trạng thái hiện tại", "Conflict with the current state")


class AlreadyExists(Conflict):
    code = "already_exists"
    title = Text("Đã tồn tại", "Already exists")


class TransitionRefused(Conflict):
    """A lifecycle transition was refused; ``extra`` says which ones are allowed and why not this."""

    code = "transition_refused"
    title = Text("Không thể chuyển trạng thái", "Transition refused")


class AuditChainBroken(SandboxError):
    code = "audit_chain_broken"
    title = Text("Nhật ký kiểm toán bị sửa đổi", "Audit log tampered with")


class StoreUnavailable(SandboxError):
    status_code = 503
    code = "store_unavailable"
    title = Text("Cơ sở dữ liệu không sẵn sàng", "Database unavailable")


class BrokerUnavailable(SandboxError):
    status_code = 503
    code = "broker_unavailable"
    title = Text("Máy chủ MQTT không sẵn sàng", "MQTT broker unavailable")
