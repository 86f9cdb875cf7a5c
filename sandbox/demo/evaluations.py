"""The demo's last step: each running trial evaluated by the demo evaluator, its report written to open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.auth.models import User
from sandbox.auth.roles import Actor
from sandbox.auth.users import actor_of
from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory
from sandbox.demo import evidence
from sandbox.demo.seed import DEMO_EVALUATOR, DemoWorld, Fleet
from sandbox.evaluation import service
from sandbox.evaluation.parameters import EvaluationParameters
from sandbox.i18n import Language
from sandbox.trials.models import Trial
from sims.scenario import Stream

__all__ = ["Evaluated", "evaluate_trials"]


@dataclass(frozen=True)
class Evaluated:
    reference: str
    version: int
    decision: str
    reasons: list[str]
    html: Path
    pdf: Path


def _upload_evidence(db: Session, evaluator: Actor, fleet: Fleet, streams: list[Stream], sent: dict[str, Any],
                     control_records: Path | None) -> None:
    trial = db.get(Trial, uuid.UUID(fleet.trial_id))
    assert trial is not None
    if fleet.kind == "ai_camera":
        ids = {serial: device for serial, device, _ in fleet.devices}
        cameras = {ids[s.name]: (s.simulators[0], sent[s.name].last) for s in streams
                   if s.name in ids and s.simulators and sent.get(s.name) and sent[s.name].last}
        evidence.upload_ground_truth(db, evaluator, trial.id, cameras)
    elif fleet.kind == "amr":
        evidence.upload_feedback(db, evaluator, trial.id)
    elif control_records is not None and control_records.exists():
        evidence.upload_control_records(db, evaluator, trial, control_records, kpi="hectares_per_hour")


def evaluate_trials(settings: Settings, world: DemoWorld, directory: Path, language: Language,
                    streams: list[Stream] | None = None, sent: dict[str, Any] | None = None,
                    control_records: Path | None = None) -> list[Evaluated]:
    """Evaluate the demo's three running trials now (after uploading the labels, the survey and the control
    records an evaluator would bring); their reports go to ``directory`` as HTML and PDF."""
    done = []
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    for fleet in world.fleets.values():
        with sessions.begin() as db:
            user = db.scalar(select(User).where(User.email == DEMO_EVALUATOR))
            assert user is not None, "the demo evaluator is seeded"
            _upload_evidence(db, actor_of(user), fleet, streams or [], sent or {}, control_records)
        with sessions.begin() as db:
            report = service.evaluate(db, actor_of(user), uuid.UUID(fleet.trial_id), EvaluationParameters())
            content = service.content_of(report)
            html, pdf = service.write_report(report, language, directory)
            done.append(Evaluated(fleet.trial, report.version, content.recommendation.decision,
                                  [reason.text.in_(language) for reason in content.recommendation.reasons], html, pdf))
    engine.dispose()
    return done
