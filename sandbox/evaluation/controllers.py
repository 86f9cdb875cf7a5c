"""Evaluations of a trial over HTTP: make a report version, read it (JSON, HTML, PDF), upload evaluation data."""

from __future__ import annotations

import uuid

from litestar import Controller, Response
from litestar.params import FromPath, JSONBody

from sandbox.api.dependencies import AppSettings, CurrentActor, Db, Lang
from sandbox.api.routing import get, post
from sandbox.clock import to_local
from sandbox.evaluation import review, service, uploads
from sandbox.evaluation.models import Report
from sandbox.evaluation.parameters import EvaluationParameters
from sandbox.evaluation.schemas import (
    ClipUpload,
    DecisionView,
    FeedbackUpload,
    ReferenceUpload,
    ReportSummary,
    ReportView,
    ReviewView,
    Uploaded,
)

__all__ = ["EvaluationController", "report_view"]


def _summary_fields(report: Report) -> dict:
    return dict(id=report.id, trial_id=report.trial_id, version=report.version, status=str(report.status),
                recommendation=report.recommendation, until=to_local(report.until),
                created_at=to_local(report.created_at), created_by=report.created_by, fingerprint=report.fingerprint,
                code_version=report.code_version, signed_at=to_local(report.signed_at), signed_by=report.signed_by)


def report_view(report: Report) -> ReportView:
    return ReportView(**_summary_fields(report), parameters=report.parameters, content=service.content_of(report))


def _review_view(row) -> ReviewView:
    return ReviewView(action=row.action, comment=row.comment, actor_id=row.actor_id, at=to_local(row.at))


class EvaluationController(Controller):
    path = "/trials/{trial_id:uuid}"
    tags = ["Evaluation"]

    @post("/evaluations", summary="Evaluate the trial: a new report version from the data up to a cut-off")
    def evaluate(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                 data: JSONBody[EvaluationParameters]) -> ReportView:
        return report_view(service.evaluate(db, actor, trial_id, data))

    @get("/reports", summary="The trial's report versions, newest first")
    def list_reports(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID]) -> list[ReportSummary]:
        return [ReportSummary(**_summary_fields(r)) for r in service.list_reports(db, actor, trial_id)]

    @get("/reports/{version:int}", summary="A report version with its content, parameters and fingerprint")
    def get_report(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                   version: FromPath[int]) -> ReportView:
        return report_view(service.get_report(db, actor, trial_id, version))

    @get("/reports/{version:int}/html", summary="The report as a web page (?lang=en for English)")
    def report_html(self, db: Db, actor: CurrentActor, language: Lang, trial_id: FromPath[uuid.UUID],
                    version: FromPath[int]) -> Response[str]:
        report = service.get_report(db, actor, trial_id, version)
        return Response(service.report_html(report, language), media_type="text/html; charset=utf-8")

    @get("/reports/{version:int}/pdf", summary="The report as a PDF (?lang=en for English)")
    def report_pdf(self, db: Db, actor: CurrentActor, language: Lang, trial_id: FromPath[uuid.UUID],
                   version: FromPath[int]) -> Response[bytes]:
        report = service.get_report(db, actor, trial_id, version)
        name = f"{service.file_stem(report)}-{language}.pdf"
        return Response(service.report_pdf(report, language), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @post("/ground-truth", summary="Upload an evaluator's labelled clips of a camera (ground truth)")
    def ground_truth(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                     data: JSONBody[ClipUpload]) -> Uploaded:
        return uploads.upload_clips(db, actor, trial_id, data)

    @post("/feedback", summary="Upload living-lab feedback (Likert 1–5 answers of consenting respondents)")
    def feedback(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                 data: JSONBody[FeedbackUpload]) -> Uploaded:
        return uploads.upload_feedback(db, actor, trial_id, data)

    @post("/reference-observations", summary="Upload a KPI's baseline records (control group or pre-period)")
    def references(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                   data: JSONBody[ReferenceUpload]) -> Uploaded:
        return uploads.upload_references(db, actor, trial_id, data)

    @get("/reports/{version:int}/reviews", summary="The review trail of a report version")
    def list_reviews(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                     version: FromPath[int]) -> list[ReviewView]:
        return [_review_view(r) for r in review.reviews(db, actor, trial_id, version)]

    @post("/reports/{version:int}/comments", summary="Comment on a report version under review")
    def comment(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], version: FromPath[int],
                data: JSONBody[review.ReviewComment]) -> ReviewView:
        return _review_view(review.comment(db, actor, trial_id, version, data))

    @post("/reports/{version:int}/return", summary="Return a report version: a new evaluation is needed")
    def return_report(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], version: FromPath[int],
                      data: JSONBody[review.ReviewComment]) -> ReportSummary:
        return ReportSummary(**_summary_fields(review.return_report(db, actor, trial_id, version, data)))

    @post("/reports/{version:int}/sign", summary="Sign a report version (password asked again); it is locked")
    def sign(self, db: Db, actor: CurrentActor, settings: AppSettings, trial_id: FromPath[uuid.UUID],
             version: FromPath[int], data: JSONBody[review.SignRequest]) -> ReportSummary:
        return ReportSummary(**_summary_fields(review.sign(db, actor, trial_id, version, data, settings)))

    @post("/reports/{version:int}/decision", summary="Record the policy decision on a signed report version")
    def decide(self, db: Db, actor: CurrentActor, settings: AppSettings, trial_id: FromPath[uuid.UUID],
               version: FromPath[int], data: JSONBody[review.DecisionRequest]) -> DecisionView:
        made = review.decide(db, actor, trial_id, version, data, settings)
        return DecisionView(id=made.id, report_version=version, outcome=made.outcome, conditions=made.conditions,
                            rationale=made.rationale, decided_by=made.decided_by, decided_at=to_local(made.decided_at))
