"""What anyone may read without logging in: the public register and the labels of codes."""

from __future__ import annotations

from litestar import Controller
from litestar.params import FromQuery

from sandbox.api.dependencies import Db, Lang
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get
from sandbox.auth.roles import Role
from sandbox.trials.incident_kinds import IncidentCategory
from sandbox.trials.kinds import ApplicationArea, ProductKind, ProductLine
from sandbox.trials.lifecycle import TRANSITIONS
from sandbox.trials.register import RegisterEntry, public_register
from sandbox.trials.states import TrialState

__all__ = ["PublicController"]


class PublicController(Controller):
    path = "/"
    tags = ["Public"]

    @get("/register", summary="Public register of approved trials: what is tested where, until when, by whom")
    def register(
        self, db: Db, language: Lang, limit: Limit = 50, offset: Offset = 0, kind: FromQuery[ProductKind | None] = None
    ) -> Page[RegisterEntry]:
        entries, total = public_register(db, language, limit, offset, kind)
        return Page(entries, total, limit, offset)

    @get("/labels", summary="Vietnamese and English labels of every code the API uses", sync_to_thread=False)
    def labels(self) -> dict[str, dict[str, dict[str, str]]]:
        def table(items: dict[str, object]) -> dict[str, dict[str, str]]:
            return {code: {"vi": text.vi, "en": text.en} for code, text in items.items()}  # type: ignore[attr-defined]

        return {
            "trial_state": table({s.value: s.label for s in TrialState}),
            "transition": table({name: rule.label for name, rule in TRANSITIONS.items()}),
            "product_kind": table({k.value: k.label for k in ProductKind}),
            "product_line": table({p.value: p.label for p in ProductLine}),
            "application_area": table({a.value: a.label for a in ApplicationArea}),
            "role": table({r.value: r.label for r in Role}),
            "incident_category": table({c.value: c.label for c in IncidentCategory}),
        }
