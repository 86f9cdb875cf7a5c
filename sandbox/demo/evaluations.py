"""The demo's last step: each running trial evaluated by the demo evaluator, its report written to open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from sandbox.auth.models import User
from sandbox.auth.users import actor_of
from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory
from sandbox.demo.seed import DEMO_EVALUATOR, DemoWorld
from sandbox.evaluation import service
from sandbox.evaluation.parameters import EvaluationParameters
from sandbox.evaluation.rendering import render_html, render_pdf
from sandbox.i18n import Language

__all__ = ["Evaluated", "evaluate_trials"]


@dataclass(frozen=True)
class Evaluated:
    reference: str
    version: int
    decision: str
    reasons: list[str]
    html: Path
    pdf: Path


def evaluate_trials(settings: Settings, world: DemoWorld, directory: Path, language: Language) -> list[Evaluated]:
    """Evaluate the demo's three running trials now; their reports go to ``directory`` as HTML and PDF."""
    directory.mkdir(parents=True, exist_ok=True)
    done = []
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    for fleet in world.fleets.values():
        with sessions.begin() as db:
            user = db.scalar(select(User).where(User.email == DEMO_EVALUATOR))
            assert user is not None, "the demo evaluator is seeded"
            report = service.evaluate(db, actor_of(user), uuid.UUID(fleet.trial_id), EvaluationParameters())
            content = service.content_of(report)
            provenance = {"fingerprint": report.fingerprint, "code_version": report.code_version,
                          "until": report.until.isoformat()}
            stem = directory / f"{fleet.trial}-v{report.version}"
            html, pdf = stem.with_suffix(".html"), stem.with_suffix(".pdf")
            common = {"version": report.version, "status": str(report.status), "provenance": provenance}
            html.write_text(render_html(content, language, **common), encoding="utf-8")
            pdf.write_bytes(render_pdf(content, language, **common))
            done.append(Evaluated(fleet.trial, report.version, content.recommendation.decision,
                                  [reason.text.in_(language) for reason in content.recommendation.reasons], html, pdf))
    engine.dispose()
    return done
