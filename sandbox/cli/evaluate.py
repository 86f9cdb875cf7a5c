"""``sandbox evaluate TRIAL``: a new report version of a trial, with a progress bar, written out as HTML and PDF."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from sandbox.cli import main
from sandbox.cli.common import guarded, language, say, settings_of, unit_of_work
from sandbox.errors import InvalidInput, NotFound
from sandbox.i18n import Text

__all__ = ["DECISIONS", "evaluate_command"]

# The steps of an evaluation as the service reports them, in order, with what a person reads.
STEPS = {
    "digest": Text("Kiểm đếm dữ liệu", "Counting the data"),
    "device_days": Text("Tổng hợp theo ngày", "Summing by day"),
    "sorties": Text("Chuyến bay và diện tích phun", "Sorties and area sprayed"),
    "camera_days": Text("Ngày hoạt động của camera", "Camera days"),
    "missions": Text("Chuyến giao của robot", "Robot missions"),
    "uploads": Text("Nhãn, phản hồi, số liệu đối chứng", "Labels, feedback, baselines"),
    "map": Text("Bản đồ", "Map"),
    "assessment": Text("Thống kê, điểm và khuyến nghị", "Statistics, score and recommendation"),
    "render": Text("Xuất báo cáo", "Writing the report"),
}
DECISIONS = {"roll_out": Text("TRIỂN KHAI", "ROLL OUT"), "extend": Text("GIA HẠN", "EXTEND"),
             "modify": Text("ĐIỀU CHỈNH", "MODIFY"), "stop": Text("DỪNG", "STOP")}


def _trial_id(db, reference: str) -> uuid.UUID:
    from sandbox.trials.models import Trial

    try:
        return uuid.UUID(reference)
    except ValueError:
        found = db.scalar(select(Trial.id).where(Trial.reference == reference.strip().upper()))
    if found is None:
        raise NotFound(Text(f"Không có thử nghiệm '{reference}'", f"There is no trial '{reference}'"))
    return found


@main.command("evaluate")
@click.argument("trial")
@click.option("--as", "email", required=True, help="the evaluator or policy officer making the evaluation (e-mail)")
@click.option("--until", help="data cut-off, ISO 8601 with a time zone (default: now)")
@click.option("--seed", type=int, help="seed of the bootstrap and the Monte Carlo")
@click.option("--draws", type=int, help="Monte Carlo draws of the score (default 10,000)")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="write the report's HTML and PDF into this directory")
@click.pass_context
@guarded
def evaluate_command(ctx: click.Context, trial: str, email: str, until: str | None, seed: int | None,
                     draws: int | None, out: Path | None) -> None:
    """Evaluate TRIAL (its reference, SB-2026-0001, or id): a new report version, its recommendation printed."""
    import msgspec

    from sandbox.auth.models import User
    from sandbox.auth.users import actor_of
    from sandbox.evaluation import service
    from sandbox.evaluation.parameters import EvaluationParameters

    options: dict = {k: v for k, v in (("until", until), ("seed", seed), ("n_draws", draws)) if v is not None}
    try:
        if until is not None:
            options["until"] = datetime.fromisoformat(until)
        parameters = msgspec.convert(options, EvaluationParameters)
    except (ValueError, msgspec.ValidationError) as exc:
        raise InvalidInput.at("/", Text(f"tham số không hợp lệ: {exc}", f"invalid parameters: {exc}")) from exc
    lang = language()
    with unit_of_work(settings_of(ctx)) as db, Progress(
            TextColumn("{task.description:<40}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), transient=False) as bar:
        user = db.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(Text(f"Không có người dùng '{email}'", f"There is no user '{email}'"))
        task = bar.add_task(Text("Đánh giá", "Evaluating").in_(lang), total=6 + (out is not None))  # the steps one kind of trial goes through

        def advance(step: str) -> None:
            bar.update(task, advance=1, description=STEPS.get(step, Text(step, step)).in_(lang))

        report = service.evaluate(db, actor_of(user), _trial_id(db, trial), parameters, progress=advance)
        content = service.content_of(report)
        if out is not None:
            advance("render")
            service.write_report(report, lang, out)
        bar.update(task, completed=bar.tasks[0].total)
    decision = DECISIONS[content.recommendation.decision]
    say(Text(f"{content.trial.reference} — báo cáo phiên bản {report.version}: {decision.vi}",
             f"{content.trial.reference} — report version {report.version}: {decision.en}"))
    for reason in content.recommendation.reasons:
        say(Text(f"  • {reason.text.vi}", f"  • {reason.text.en}"))
    say(Text(f"  dấu vân tay dữ liệu {report.fingerprint}", f"  data fingerprint {report.fingerprint}"))
    if out is not None:
        say(Text(f"  đã ghi {out}", f"  written to {out}"))
