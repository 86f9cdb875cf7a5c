"""The content of an evaluation report: what is stored with a report version, served by the API and rendered.

Plain msgspec structs (pure: no database, no web), so that a stored report decodes to exactly what was
made, and HTML and PDF are drawn from the same document. Numbers are in the KPI's unit (percentages
as 0–100); ``None`` where there is nothing to say (no interval without data). Words a person reads
are in both languages (`Words`); the renderer picks one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from msgspec import Struct

from sandbox.evaluation.inputs import SiteShape, Track

__all__ = [
    "ComparisonRow",
    "IncidentDay",
    "KpiRow",
    "Look",
    "Monitoring",
    "ReasonRow",
    "RecommendationResult",
    "ReportContent",
    "ScoreSummary",
    "TrialSummary",
    "Words",
]

Verdict = Literal["met", "not_met", "inconclusive", "no_data"]
Decision = Literal["roll_out", "extend", "modify", "stop"]


class Words(Struct, frozen=True):
    vi: str
    en: str

    def in_(self, language: str) -> str:
        return self.en if language == "en" else self.vi


class KpiRow(Struct, frozen=True, kw_only=True):
    code: str
    name: str  # as the plan names it (Vietnamese, the startup's words)
    metric: str
    title: Words  # the metric's name in the library
    unit: str
    dimension: str
    direction: Literal["higher_is_better", "lower_is_better"]
    target: float
    limit: float | None
    weight: float
    confirmatory: bool
    estimate: float | None
    low: float | None
    high: float | None
    level: float
    method: str  # "Garwood exact Poisson", "Wilson", "cluster bootstrap BCa by sortie", …
    note: Words | None  # why the interval is not the one asked for, or why there is none
    clusters: int  # sorties, days, missions, clips, respondents — or events for a rate
    exposure: float | None
    exposure_unit: str | None
    verdict: Verdict
    probability_met: float | None
    limit_bound: float | None  # the one-sided 95% bound checked against the limit
    utility: float | None  # 0–100 at the point estimate


class ComparisonRow(Struct, frozen=True, kw_only=True):
    kpi: str
    baseline: Literal["fixed", "control", "pre_period", "control_and_pre_period"]
    method: str
    effect: float | None
    scale: Literal["difference", "ratio"]
    low: float | None
    high: float | None
    p_value: float | None
    p_adjusted: float | None  # Holm, across the confirmatory KPIs
    alternative: str
    n_treated: int
    n_reference: int
    reference_value: float | None  # the fixed value, or the control's / pre-period's estimate
    note: Words | None = None


class Look(Struct, frozen=True, kw_only=True):
    number: int
    report_version: int | None  # None: this report
    information_fraction: float
    z: float | None
    efficacy_bound: float
    futility_bound: float | None
    decision: Literal["continue", "stop_for_efficacy", "stop_for_futility"]


class Monitoring(Struct, frozen=True, kw_only=True):
    """Interim looks at the primary (first confirmatory) KPI: each report version is a look."""

    kpi: str | None
    spending: str
    alpha: float
    looks: list[Look]
    decision: Literal["continue", "stop_for_efficacy", "stop_for_futility", "final", "not_planned"]
    note: Words | None = None


class ScoreSummary(Struct, frozen=True, kw_only=True):
    point: float
    mean: float
    low: float
    high: float
    threshold: float
    probability: float  # P(score ≥ threshold)
    dimensions: dict[str, float]
    dimension_intervals: dict[str, list[float]]
    weights: dict[str, float]
    weighting: Literal["plan", "direct", "ahp"]
    consistency_ratio: float | None
    left_out: list[str]
    n_draws: int
    seed: int
    histogram: list[int]  # the Monte Carlo scores in bins of 2 points, 0–100
    bin_edges: list[float]


class ReasonRow(Struct, frozen=True, kw_only=True):
    gate: str
    passed: bool
    text: Words
    kpi: str | None
    numbers: dict[str, Any]


class RecommendationResult(Struct, frozen=True, kw_only=True):
    decision: Decision
    reasons: list[ReasonRow]
    gates: list[ReasonRow]


class IncidentDay(Struct, frozen=True):
    day: date
    by_severity: list[int]  # counts of severity 1…5


class TrialSummary(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    reference: str
    kind: str
    title: str | None
    organisation: str
    product: str
    start_date: date | None
    end_date: date | None
    plan_version: int


class ReportContent(Struct, frozen=True, kw_only=True):
    trial: TrialSummary
    until: datetime  # the data cut-off
    data_from: datetime | None
    data_to: datetime | None
    sample: dict[str, Any]  # reached, planned, unit: what the evidence gate read
    kpis: list[KpiRow]
    comparisons: list[ComparisonRow]
    monitoring: Monitoring
    score: ScoreSummary | None
    recommendation: RecommendationResult
    incidents: list[IncidentDay]
    incident_counts: dict[str, int]  # by category
    sites: list[SiteShape]
    tracks: list[Track]
    devices: dict[str, str]  # device id → serial
    warnings: list[Words] = []
