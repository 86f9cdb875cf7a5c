"""The parameters of an evaluation: what the person asking may set, each with a default that is sound.

Stored with the report (and hashed into its fingerprint), so that the same data and the same parameters
give the same report. Every field is checked here by msgspec; what needs more than a range (an AHP
matrix's consistency) is checked by the core and refused with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

__all__ = ["AhpJudgements", "EvaluationParameters", "PlannedSample"]

Dimension = Literal["safety", "effectiveness", "reliability", "compliance", "acceptance"]


class AhpJudgements(Struct, forbid_unknown_fields=True):
    """Policy staff's pairwise comparisons of the dimensions on Saaty's 1–9 scale: ``matrix[i][j]`` says how much
    more ``dimensions[i]`` matters than ``dimensions[j]`` (reciprocal below the diagonal)."""

    dimensions: Annotated[list[Dimension], Meta(min_length=2, max_length=5)]
    matrix: list[list[Annotated[float, Meta(gt=0, le=9)]]]


class PlannedSample(Struct, forbid_unknown_fields=True):
    """How much evidence the trial set out to gather (the evidence gate): by default the days of operation its
    schedule plans."""

    value: Annotated[float, Meta(gt=0)]
    unit: Literal["days", "flight_hours", "km", "missions", "camera_days", "respondents"]


class EvaluationParameters(Struct, forbid_unknown_fields=True, kw_only=True):
    until: datetime | None = None  # the data cut-off; now when absent (the report records the instant used)
    threshold: Annotated[float, Meta(ge=0, le=100)] = 60.0  # the rollout threshold of the impact score
    required_probability: Annotated[float, Meta(gt=0, lt=1)] = 0.8  # P(score ≥ threshold) to roll out
    level: Annotated[float, Meta(ge=0.5, le=0.999)] = 0.95
    weights: dict[Dimension, Annotated[float, Meta(ge=0)]] | None = None  # direct dimension weights
    ahp: AhpJudgements | None = None
    n_draws: Annotated[int, Meta(ge=1_000, le=200_000)] = 10_000  # Monte Carlo draws of the score
    n_resamples: Annotated[int, Meta(ge=999, le=99_999)] = 9_999  # bootstrap resamples
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] = 20_261_124
    planned_sample: PlannedSample | None = None
    # Planned interim looks at the primary KPI as information fractions (the last is 1), e.g. [0.5, 1].
    looks: Annotated[list[Annotated[float, Meta(gt=0, le=1)]], Meta(max_length=10)] = []
    spending: Literal["obrien_fleming", "pocock"] = "obrien_fleming"
    alpha: Annotated[float, Meta(gt=0, lt=0.5)] = 0.025  # one-sided, for the interim looks
