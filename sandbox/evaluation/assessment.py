"""A trial assessed: from its inputs and the parameters to the report's content — KPIs with intervals and
verdicts, comparisons (Holm across the confirmatory ones), monitoring, the score and the recommendation.

Part of the pure core: the same inputs and parameters give the same content (every random draw is
seeded from the parameters). Errors in what a person gave (an inconsistent AHP matrix) are raised as
`ValueError` with the reason; the service turns them into a 422.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date

import msgspec
import numpy as np

from sandbox.clock import LOCAL_TZ
from sandbox.evaluation import comparisons as compare
from sandbox.evaluation import recommendation as recommending
from sandbox.evaluation import sequential
from sandbox.evaluation.inputs import EvaluationInputs
from sandbox.evaluation.kpi_results import Measured, measure_kpi
from sandbox.evaluation.measures import Scope
from sandbox.evaluation.parameters import EvaluationParameters
from sandbox.evaluation.report import (
    IncidentDay,
    KpiRow,
    Look,
    Monitoring,
    ReasonRow,
    RecommendationResult,
    ReportContent,
    ScoreSummary,
    TrialSummary,
    Words,
)
from sandbox.evaluation.scoring import KpiEstimate, ahp, score
from sandbox.evaluation.verdicts import Verdict
from sandbox.i18n import Text
from sandbox.trials.incident_kinds import IncidentCategory

__all__ = ["PastLook", "assess"]

SEVERE = 4


class PastLook(msgspec.Struct, frozen=True):
    """A look an earlier report version took at the primary KPI."""

    report_version: int
    information_fraction: float
    z: float


def assess(inputs: EvaluationInputs, parameters: EvaluationParameters, roles: dict, *,
           past_looks: Sequence[PastLook] = ()) -> ReportContent:
    plan = inputs.trial.plan
    scope = Scope(inputs, roles)
    measured = [measure_kpi(kpi, scope, level=parameters.level, n_resamples=parameters.n_resamples,
                            n_draws=parameters.n_draws, seed=parameters.seed + i)
                for i, kpi in enumerate(plan.get("kpis", []))]
    rows = [m.row for m in measured]
    comparisons = _holm([m.comparison for m in measured if m.comparison is not None], rows)
    sample = _sample(inputs, parameters)
    monitoring = _monitoring(measured, sample, parameters, past_looks)
    summary = _score(measured, parameters)
    severe = [recommending.SevereIncident(str(i.id), i.category, i.severity,
                                          i.started_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S %z"),
                                          _category_label(i.category))
              for i in inputs.incidents if i.severity >= SEVERE]
    judgements = [recommending.KpiJudgement(r.code, r.dimension, _verdict(r), r.limit, r.limit_bound)
                  for r in rows]
    evidence = recommending.Evidence(
        kpis=judgements, severe_incidents=severe, sample_reached=sample["reached"],
        sample_planned=sample["planned"], sample_unit=sample["unit"],
        probability_score_met=summary.probability if summary else math.nan, threshold=parameters.threshold,
        early_success=monitoring.decision == "stop_for_efficacy", required_probability=parameters.required_probability)
    advice = recommending.recommend(evidence)
    trial = inputs.trial
    return ReportContent(
        trial=TrialSummary(id=trial.id, reference=trial.reference, kind=trial.kind, title=trial.title,
                           organisation=trial.organisation, product=trial.product, start_date=trial.start_date,
                           end_date=trial.end_date, plan_version=trial.plan_version),
        until=inputs.until, data_from=inputs.first, data_to=inputs.last, sample=sample, kpis=rows,
        comparisons=comparisons, monitoring=monitoring, score=summary,
        recommendation=RecommendationResult(decision=advice.decision, reasons=[_reason(r) for r in advice.reasons],
                                            gates=[_reason(r) for r in advice.gates]),
        incidents=_incident_days(inputs), incident_counts=dict(sorted(Counter(i.category for i in inputs.incidents)
                                                                       .items())),
        sites=inputs.sites, tracks=inputs.tracks, devices=trial.devices, warnings=_warnings(rows, summary))


def _category_label(category: str) -> Text | None:
    return IncidentCategory(category).label if category in IncidentCategory.__members__.values() else None


def _verdict(row: KpiRow) -> Verdict:
    nan = math.nan
    return Verdict(row.verdict, row.estimate if row.estimate is not None else nan,
                                row.low if row.low is not None else nan, row.high if row.high is not None else nan,
                                row.target, row.direction,
                                row.probability_met if row.probability_met is not None else nan)


def _reason(reason: recommending.Reason) -> ReasonRow:
    numbers = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in reason.numbers.items()}
    return ReasonRow(gate=reason.gate, passed=reason.passed, text=Words(reason.text.vi, reason.text.en),
                     kpi=reason.kpi, numbers=numbers)


def _holm(rows: list, kpis: list[KpiRow]) -> list:
    confirmatory = {k.code for k in kpis if k.confirmatory}
    chosen = [i for i, r in enumerate(rows) if r.kpi in confirmatory and r.p_value is not None]
    if not chosen:
        return rows
    stand_ins = [compare.Comparison("", 0.0, "difference", 0.0, 0.0, 0.95, rows[i].p_value, "two-sided", 0, 0)
                 for i in chosen]
    adjusted = compare.holm(stand_ins)
    out = list(rows)
    for i, result in zip(chosen, adjusted, strict=True):
        out[i] = msgspec.structs.replace(rows[i], p_adjusted=result.p_adjusted)
    return out


def _sample(inputs: EvaluationInputs, parameters: EvaluationParameters) -> dict:
    planned = parameters.planned_sample
    unit = planned.unit if planned else "days"
    reached = {
        "days": float(len({d.day for d in inputs.device_days})),
        "flight_hours": float(sum(s.flight_h for s in inputs.sorties)),
        "km": float(sum(d.km for d in inputs.robot_days)),
        "missions": float(sum(1 for m in inputs.missions if m.success is not None)),
        "camera_days": float(sum(d.observed_s for d in inputs.camera_days) / 86_400.0),
        "respondents": float(len(inputs.respondents)),
    }[unit]
    return {"reached": reached, "planned": float(planned.value if planned else max(inputs.operating_days, 1)),
            "unit": unit}


def _primary(measured: list[Measured]) -> Measured | None:
    return next((m for m in measured if m.row.confirmatory and m.row.estimate is not None and m.std_error), None)


def _monitoring(measured: list[Measured], sample: dict, parameters: EvaluationParameters,
                past: Sequence[PastLook]) -> Monitoring:
    primary = _primary(measured)
    common = {"spending": parameters.spending, "alpha": parameters.alpha}
    if not parameters.looks:
        return Monitoring(kpi=primary.row.code if primary else None, looks=[], decision="not_planned", **common)
    if primary is None:
        return Monitoring(kpi=None, looks=[], decision="continue", note=Words(
            "Chưa có KPI xác nhận nào có ước lượng và sai số chuẩn", "No confirmatory KPI has an estimate and a "
            "standard error yet"), **common)
    row = primary.row
    sign = 1.0 if row.direction == "higher_is_better" else -1.0
    z = sign * (row.estimate - row.target) / primary.std_error  # type: ignore[operator]
    fraction = min(1.0, sample["reached"] / sample["planned"])
    earlier = [p for p in past if p.information_fraction < fraction]
    fractions = [p.information_fraction for p in earlier] + [fraction]
    final = fraction >= 1.0
    design = sequential.design(fractions if final else [*fractions, 1.0], alpha=parameters.alpha,
                               spending=parameters.spending)
    zs = [p.z for p in earlier] + [z]
    looks, decision = [], "continue"
    for k in range(len(zs)):
        taken = sequential.look(design, zs[:k + 1])
        looks.append(Look(number=k + 1, report_version=earlier[k].report_version if k < len(earlier) else None,
                          information_fraction=fractions[k], z=zs[k], efficacy_bound=taken.upper_boundary,
                          futility_bound=taken.lower_boundary, decision=taken.decision))
        decision = taken.decision
        if taken.decision == "stop_for_efficacy":
            break
    if final and decision != "stop_for_efficacy":
        decision = "final"
    return Monitoring(kpi=row.code, looks=looks, decision=decision, **common)  # type: ignore[arg-type]


def _score(measured: list[Measured], parameters: EvaluationParameters) -> ScoreSummary | None:
    estimates = []
    for m in measured:
        r = m.row
        if r.estimate is None or r.weight == 0 or m.utility is None:
            continue
        estimates.append(KpiEstimate(code=r.code, dimension=r.dimension, weight=r.weight, utility=m.utility,
                                     draws=m.draws, estimate=r.estimate, std_error=None))
    if not estimates:
        return None
    consistency = None
    if parameters.ahp is not None:
        judged = ahp(parameters.ahp.matrix, parameters.ahp.dimensions)
        weights: dict | object = judged
        weighting, consistency = "ahp", judged.consistency_ratio
    elif parameters.weights:
        weights, weighting = dict(parameters.weights), "direct"
    else:
        plan: dict[str, float] = {}
        for e in estimates:
            plan[e.dimension] = plan.get(e.dimension, 0.0) + e.weight
        weights, weighting = plan, "plan"
    result = score(estimates, weights, parameters.threshold, n_draws=parameters.n_draws, seed=parameters.seed)
    counts, edges = np.histogram(result.draws, bins=50, range=(0.0, 100.0))
    low, high = (float(v) for v in np.quantile(result.draws, [0.025, 0.975]))
    return ScoreSummary(point=result.point, mean=result.mean, low=low, high=high, threshold=parameters.threshold,
                        probability=result.probability_at_least_threshold, dimensions=result.dimension_points,
                        dimension_intervals={k: list(v) for k, v in result.dimension_intervals.items()},
                        weights=result.weights, weighting=weighting, consistency_ratio=consistency,  # type: ignore[arg-type]
                        left_out=list(result.dimensions_left_out), n_draws=result.n_draws, seed=result.seed,
                        histogram=[int(c) for c in counts], bin_edges=[float(e) for e in edges])


def _incident_days(inputs: EvaluationInputs) -> list[IncidentDay]:
    days: dict[date, list[int]] = {}
    for incident in inputs.incidents:
        day = incident.started_at.astimezone(LOCAL_TZ).date()
        days.setdefault(day, [0] * 5)[min(5, max(1, incident.severity)) - 1] += 1
    return [IncidentDay(day, counts) for day, counts in sorted(days.items())]


def _warnings(rows: list[KpiRow], summary: ScoreSummary | None) -> list[Words]:
    found = [Words(f"KPI '{r.code}': chưa có dữ liệu", f"KPI '{r.code}': no data yet") for r in rows
             if r.verdict == "no_data"]
    if summary and summary.left_out:
        left = ", ".join(summary.left_out)
        found.append(Words(f"Các khía cạnh không có KPI, trọng số được chia lại: {left}",
                           f"Dimensions without KPIs, their weight redistributed: {left}"))
    return found

