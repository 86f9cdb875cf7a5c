"""Who acts: the roles people hold, and the actor a request runs as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sandbox.i18n import Text

__all__ = ["STAFF_ROLES", "Actor", "Role"]


class Role(StrEnum):
    STARTUP = "startup"  # applicant: its own organisation's products, trials and devices
    EVALUATOR = "evaluator"  # SKHCN: reviews applications, supervises trials, signs reports
    POLICY = "policy"  # SKHCN leadership: approves, suspends, ends, decides on rollout
    ADMIN = "admin"  # manages users, sites and settings

    @property
    def label(self) -> Text:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.STARTUP: Text("Doanh nghiệp khởi nghiệp", "Startup"),
    Role.EVALUATOR: Text("Chuyên viên thẩm định", "Evaluator"),
    Role.POLICY: Text("Lãnh đạo quyết định chính sách", "Policy staff"),
    Role.ADMIN: Text("Quản trị hệ thống", "Administrator"),
}

# Staff of the department see every trial once it has been submitted; startups only their own.
STAFF_ROLES = frozenset({Role.EVALUATOR, Role.POLICY, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated person a request or command runs as."""

    user_id: uuid.UUID
    email: str
    role: Role
    organisation_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def belongs_to(self, organisation_id: uuid.UUID) -> bool:
        return self.role is Role.STARTUP and self.organisation_id == organisation_id
