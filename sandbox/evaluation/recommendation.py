"""The recommendation to policy staff — *roll out*, *extend*, *modify* or *stop* — and every reason for it.

Part of the pure statistical core. Gates are checked in order of what matters most:

=================  ==============================================================  ==========
gate               fails when                                                      then
=================  ==============================================================  ==========
severe_incidents   an incident of severity 4–5 happened                            stop
safety_limits      a safety KPI's one-sided 95% bound lies beyond its limit        stop
effectiveness      an effectiveness KPI is clearly not met (its whole CI misses)   modify
evidence           neither the planned sample nor an early-success boundary is     extend
                   reached
score              P(score ≥ rollout threshold) < 0.8                              extend
=================  ==============================================================  ==========

Every gate gives a `Reason`, passed or not, with the numbers it looked at, in Vietnamese and English,
so that a report can show why and a machine can check it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.evaluation.verdicts import Verdict
from sandbox.i18n import Text

__all__ = ["REQUIRED_PROBABILITY", "Evidence", "KpiJudgement", "Reason", "Recommendation", "SevereIncident",
           "recommend"]

Decision = Literal["roll_out", "extend", "modify", "stop"]
REQUIRED_PROBABILITY = 0.8  # P(score ≥ threshold) needed to roll out


@dataclass(frozen=True, slots=True)
class KpiJudgement:
    """What the recommendation needs of one KPI: its dimension, its verdict and, for a safety KPI with a limit,
    the one-sided 95% bound on its bad side (the upper bound when lower is better)."""

    code: str
    dimension: str
    verdict: Verdict
    limit: float | None = None
    limit_bound: float | None = None


@dataclass(frozen=True, slots=True)
class SevereIncident:
    reference: str  # the incident's id
    category: str
    severity: int
    started_at: str  # ISO 8601
    label: Text | None = None  # the category as people read it; the code otherwise


@dataclass(frozen=True, slots=True)
class Evidence:
    kpis: Sequence[KpiJudgement]
    severe_incidents: Sequence[SevereIncident]
    sample_reached: float  # exposure gathered (flight hours, missions, camera-days…)
    sample_planned: float  # what the plan asked for
    sample_unit: str
    probability_score_met: float  # P(score ≥ threshold) from the Monte Carlo
    threshold: float
    early_success: bool = False  # an interim look crossed the efficacy boundary
    required_probability: float = REQUIRED_PROBABILITY


@dataclass(frozen=True, slots=True)
class Reason:
    gate: str
    passed: bool
    text: Text
    kpi: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "passed": self.passed, "kpi": self.kpi, "numbers": self.numbers,
                "text": {"vi": self.text.vi, "en": self.text.en}}


@dataclass(frozen=True, slots=True)
class Recommendation:
    decision: Decision
    reasons: tuple[Reason, ...]  # the gates that decided it (failed), or all passed ones for a rollout
    gates: tuple[Reason, ...]  # every gate checked, in order

    @property
    def title(self) -> Text:
        return _TITLES[self.decision]


_TITLES = {
    "roll_out": Text("Triển khai rộng", "Roll out"),
    "extend": Text("Gia hạn thử nghiệm", "Extend the trial"),
    "modify": Text("Điều chỉnh kế hoạch", "Modify the plan"),
    "stop": Text("Dừng thử nghiệm", "Stop the trial"),
}


_UNITS_VI = {"days": "ngày", "flight_hours": "giờ bay", "km": "km", "missions": "chuyến", "camera_days": "ngày camera",
             "respondents": "người trả lời"}


def _vi(value: float, spec: str = ".4g") -> str:
    """A number written the Vietnamese way: a decimal comma (24,06), a dot between thousands (1.250)."""
    text = format(value, spec)
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _beyond(judgement: KpiJudgement) -> bool:
    bound, limit = judgement.limit_bound, judgement.limit
    if bound is None or limit is None or not math.isfinite(bound):
        return False
    return bound > limit if judgement.verdict.direction == "lower_is_better" else bound < limit


def recommend(evidence: Evidence) -> Recommendation:
    """Check the gates in order; the first that fails decides, and a rollout needs them all to pass."""
    if not 0.0 < evidence.required_probability < 1.0:
        raise ValueError(f"required_probability must be between 0 and 1, got {evidence.required_probability!r}")
    gates: list[Reason] = []
    severe = list(evidence.severe_incidents)
    listed_vi = "".join(f"; {i.label.vi if i.label else i.category} mức {i.severity} lúc {i.started_at}"
                        for i in severe)
    listed_en = "".join(f"; {i.label.en if i.label else i.category} severity {i.severity} at {i.started_at}"
                        for i in severe)
    gates.append(Reason("severe_incidents", not severe, Text(
        f"{len(severe)} sự cố nghiêm trọng (mức 4–5){listed_vi}", f"{len(severe)} severe incident(s) "
        f"(severity 4–5){listed_en}"), numbers={"count": len(severe), "incidents": [i.reference for i in severe]}))
    for judgement in evidence.kpis:
        if judgement.limit is None:
            continue
        beyond = _beyond(judgement)
        if judgement.limit_bound is None or not math.isfinite(judgement.limit_bound):
            gates.append(Reason("safety_limits", True, Text(
                f"{judgement.code}: chưa có dữ liệu để so với giới hạn {_vi(judgement.limit)}",
                f"{judgement.code}: no data yet to hold against the limit {judgement.limit:.4g}"), kpi=judgement.code,
                numbers={"bound": None, "limit": judgement.limit}))
            continue
        side = ">" if judgement.verdict.direction == "lower_is_better" else "<"
        relation_vi = "vượt" if beyond else "trong"
        gates.append(Reason("safety_limits", not beyond, Text(
            f"{judgement.code}: cận tin cậy 95% một phía {_vi(judgement.limit_bound)} {relation_vi} giới hạn "
            f"{_vi(judgement.limit)}",
            f"{judgement.code}: one-sided 95% bound {judgement.limit_bound:.4g} "
            f"{side if beyond else 'within'} limit {judgement.limit:.4g}"), kpi=judgement.code,
            numbers={"bound": judgement.limit_bound, "limit": judgement.limit}))
    for judgement in evidence.kpis:
        if judgement.dimension != "effectiveness":
            continue
        v = judgement.verdict
        gates.append(Reason("effectiveness", not v.clearly_not_met, Text(
            f"{judgement.code}: {_vi(v.estimate)} (KTC 95% {_vi(v.low)}–{_vi(v.high)}), mục tiêu {_vi(v.target)}: "
            f"{_STATUS[v.status].vi}",
            f"{judgement.code}: {v.estimate:.4g} (95% CI {v.low:.4g}–{v.high:.4g}), target {v.target:.4g}: "
            f"{_STATUS[v.status].en}"), kpi=judgement.code,
            numbers={"estimate": v.estimate, "low": v.low, "high": v.high, "target": v.target, "status": v.status,
                     "probability_met": v.probability_met}))
    reached = evidence.sample_reached >= evidence.sample_planned or evidence.early_success
    share = evidence.sample_reached / evidence.sample_planned if evidence.sample_planned > 0 else math.inf
    gates.append(Reason("evidence", reached, Text(
        f"Đã thu {_vi(evidence.sample_reached)} / {_vi(evidence.sample_planned)} "
        f"{_UNITS_VI.get(evidence.sample_unit, evidence.sample_unit)} theo kế hoạch "
        f"({_vi(share * 100, '.0f')} %)" + ("; đã vượt ngưỡng thành công sớm" if evidence.early_success else ""),
        f"{evidence.sample_reached:.4g} of {evidence.sample_planned:.4g} planned {evidence.sample_unit} gathered "
        f"({share:.0%})" + ("; an early-success boundary was crossed" if evidence.early_success else "")),
        numbers={"reached": evidence.sample_reached, "planned": evidence.sample_planned, "unit": evidence.sample_unit,
                 "early_success": evidence.early_success}))
    p = evidence.probability_score_met
    convincing = math.isfinite(p) and p >= evidence.required_probability
    gates.append(Reason("score", convincing, Text(
        f"P(điểm ≥ {evidence.threshold:g}) = {_vi(p, '.2f')}, cần ≥ {_vi(evidence.required_probability, '.2f')}",
        f"P(score ≥ {evidence.threshold:g}) = {p:.2f}, needs ≥ {evidence.required_probability:.2f}"),
        numbers={"probability": p, "threshold": evidence.threshold, "required": evidence.required_probability}))
    failed = {gate.gate for gate in gates if not gate.passed}
    decision: Decision
    if failed & {"severe_incidents", "safety_limits"}:
        decision, deciding = "stop", {"severe_incidents", "safety_limits"}
    elif "effectiveness" in failed:
        decision, deciding = "modify", {"effectiveness"}
    elif failed:
        decision, deciding = "extend", {"evidence", "score"}
    else:
        decision, deciding = "roll_out", set()
    reasons = tuple(g for g in gates if not g.passed and g.gate in deciding) if deciding else tuple(gates)
    return Recommendation(decision, reasons, tuple(gates))


_STATUS = {
    "met": Text("đạt", "met"),
    "not_met": Text("rõ ràng không đạt", "clearly not met"),
    "inconclusive": Text("chưa kết luận được", "inconclusive"),
    "no_data": Text("chưa có dữ liệu", "no data"),
}
