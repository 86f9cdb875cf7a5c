"""Evaluating a trial: a new, immutable report version from the data up to a cut-off, and reading reports back.

The service checks who may ask and for which trial, gathers the inputs (`gathering`), runs the pure
assessment, and stores the content with its parameters, the code version and the fingerprint of its
inputs. Evaluating again makes the next version; nothing rewrites a version once it is stored.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import sandbox
from sandbox import audit
from sandbox.auth.roles import Actor, Role
from sandbox.clock import to_local, utcnow
from sandbox.errors import Conflict, InvalidInput, NotFound
from sandbox.evaluation.assessment import PastLook, assess
from sandbox.evaluation.gathering import gather
from sandbox.evaluation.inputs import fingerprint
from sandbox.evaluation.measures import device_roles
from sandbox.evaluation.models import Report
from sandbox.evaluation.parameters import EvaluationParameters
from sandbox.evaluation.rendering import render_html, render_pdf
from sandbox.evaluation.report import ReportContent
from sandbox.evaluation.scoring import InconsistentJudgements, ahp
from sandbox.i18n import Language, Text
from sandbox.trials.access import load_trial, require_role
from sandbox.trials.models import Trial
from sandbox.trials.states import TrialState

__all__ = ["EVALUABLE_STATES", "code_version", "content_of", "evaluate", "file_stem", "get_report", "list_reports",
           "report_html", "report_pdf", "write_report"]

# A trial has data to evaluate once it has run: interim evaluations while it runs, the final one after.
EVALUABLE_STATES = frozenset({TrialState.ACTIVE, TrialState.SUSPENDED, TrialState.COMPLETED, TrialState.EVALUATED,
                              TrialState.DECIDED, TrialState.TERMINATED})
Progress = Callable[[str], None]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version and, in a git checkout, the commit (``0.1.0+g1a2b3c4``, ``-dirty`` when edited)."""
    root = Path(sandbox.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=12"],
                                capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return sandbox.__version__
    return f"{sandbox.__version__}+g{commit}" if commit else sandbox.__version__


def _past_looks(db: Session, trial_id: uuid.UUID) -> list[PastLook]:
    looks = []
    for version, content in db.execute(select(Report.version, Report.content).where(Report.trial_id == trial_id)
                                       .order_by(Report.version)):
        own = [look for look in content["monitoring"]["looks"] if look["report_version"] is None]
        if own and own[-1]["z"] is not None:
            looks.append(PastLook(version, own[-1]["information_fraction"], own[-1]["z"]))
    # Looks must move forward in information: a later report over less data (an earlier cut-off) is not a look.
    kept: list[PastLook] = []
    for look in looks:
        if not kept or look.information_fraction > kept[-1].information_fraction:
            kept.append(look)
    return kept


def _cut_off(parameters: EvaluationParameters) -> datetime:
    now = utcnow()
    until = parameters.until or now
    if until.tzinfo is None:
        raise InvalidInput.at("/until", Text("thời điểm cắt dữ liệu cần có múi giờ", "the cut-off needs a time zone"))
    if until > now + timedelta(seconds=1):
        raise InvalidInput.at("/until", Text(f"thời điểm cắt dữ liệu {until.isoformat()} ở tương lai",
                                             f"the cut-off {until.isoformat()} is in the future"))
    return until


def _check_weights(parameters: EvaluationParameters) -> None:
    """Policy staff's weights, checked before any data is read: a refusal names what to change."""
    if parameters.ahp is not None and parameters.weights is not None:
        raise InvalidInput.at("/weights", Text("chỉ dùng một cách: trọng số trực tiếp hoặc ma trận AHP",
                                               "give either direct weights or an AHP matrix, not both"))
    if parameters.weights is not None and not any(parameters.weights.values()):
        raise InvalidInput.at("/weights", Text("các trọng số không thể đều bằng 0", "the weights cannot all be 0"))
    if parameters.ahp is None:
        return
    try:
        ahp(parameters.ahp.matrix, parameters.ahp.dimensions)
    except InconsistentJudgements as exc:
        raise InvalidInput.at("/ahp/matrix", Text(
            f"ma trận so sánh cặp không nhất quán: CR = {exc.consistency_ratio:.3f} ≥ 0,10; hãy xem lại các đánh giá",
            f"the pairwise comparisons are inconsistent: CR = {exc.consistency_ratio:.3f} ≥ 0.10; revisit the "
            "judgements"), consistency_ratio=round(exc.consistency_ratio, 4)) from exc
    except ValueError as exc:
        raise InvalidInput.at("/ahp/matrix", Text(f"ma trận so sánh cặp không hợp lệ: {exc}",
                                                  f"the pairwise comparison matrix is not valid: {exc}")) from exc


def evaluate(db: Session, actor: Actor, trial_id: uuid.UUID, parameters: EvaluationParameters,
             progress: Progress = lambda step: None) -> Report:
    """A new report version of the trial's evaluation."""
    trial = load_trial(db, actor, trial_id, for_update=True)  # 404 before 403: others' trials stay unseen
    require_role(actor, Role.EVALUATOR, Role.POLICY, doing=Text("đánh giá thử nghiệm", "evaluate a trial"))
    if trial.state not in EVALUABLE_STATES:
        raise Conflict(Text(f"Thử nghiệm đang '{trial.state.label.vi}': chưa có dữ liệu để đánh giá",
                            f"The trial is '{trial.state}': it has no field data to evaluate yet"),
                       state=str(trial.state))
    plan = trial.plan_in_force()
    if plan is None:
        raise Conflict(Text("Thử nghiệm không có kế hoạch đang hiệu lực", "The trial has no plan in force"))
    until = _cut_off(parameters)
    _check_weights(parameters)
    used = msgspec.structs.replace(parameters, until=until)
    inputs = gather(db, trial, plan.content, plan.version, until, progress)
    progress("assessment")
    roles = device_roles(inputs, {d.id: d.site for d in trial.devices})
    content = assess(inputs, used, roles, past_looks=_past_looks(db, trial.id))
    version = (db.scalar(select(func.max(Report.version)).where(Report.trial_id == trial.id)) or 0) + 1
    report = Report(trial_id=trial.id, version=version, recommendation=content.recommendation.decision, until=until,
                    parameters=msgspec.to_builtins(used), code_version=code_version(),
                    fingerprint=fingerprint(inputs, used), content=msgspec.to_builtins(content),
                    created_at=utcnow(), created_by=actor.user_id)
    db.add(report)
    db.flush()
    audit.record(db, actor, "evaluation.create", "evaluation_report", report.id, None,
                 {"trial": trial.reference, "version": version, "recommendation": report.recommendation,
                  "fingerprint": report.fingerprint, "until": until.isoformat()})
    return report


def list_reports(db: Session, actor: Actor, trial_id: uuid.UUID) -> list[Report]:
    load_trial(db, actor, trial_id)
    return list(db.scalars(select(Report).where(Report.trial_id == trial_id).order_by(Report.version.desc())))


def get_report(db: Session, actor: Actor, trial_id: uuid.UUID, version: int, *, for_update: bool = False) -> Report:
    trial: Trial = load_trial(db, actor, trial_id)
    report = db.scalar(select(Report).where(Report.trial_id == trial.id, Report.version == version)
                       .with_for_update(of=Report) if for_update else
                       select(Report).where(Report.trial_id == trial.id, Report.version == version))
    if report is None:
        raise NotFound(Text(f"Thử nghiệm {trial.reference} không có báo cáo phiên bản {version}",
                            f"Trial {trial.reference} has no report version {version}"))
    return report


def content_of(report: Report) -> ReportContent:
    return msgspec.convert(report.content, ReportContent, strict=False)


def _rendering(report: Report) -> dict[str, Any]:
    """What a rendered report says of itself beside its content: version, status, and where it comes from."""
    return {"version": report.version, "status": str(report.status),
            "provenance": {"fingerprint": report.fingerprint, "code_version": report.code_version,
                           "until": to_local(report.until).isoformat()}}


def report_html(report: Report, language: Language) -> str:
    return render_html(content_of(report), language, **_rendering(report))


def report_pdf(report: Report, language: Language) -> bytes:
    return render_pdf(content_of(report), language, **_rendering(report))


def file_stem(report: Report) -> str:
    """``SB-2026-0001-v3``: how a report version's files are named."""
    return f"{content_of(report).trial.reference}-v{report.version}"


def write_report(report: Report, language: Language, directory: Path) -> tuple[Path, Path]:
    """The report version as ``<stem>.html`` and ``<stem>.pdf`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    html, pdf = (directory / f"{file_stem(report)}{suffix}" for suffix in (".html", ".pdf"))
    html.write_text(report_html(report, language), encoding="utf-8")
    pdf.write_bytes(report_pdf(report, language))
    return html, pdf
