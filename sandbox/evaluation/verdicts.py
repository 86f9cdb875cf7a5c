"""Is a KPI's target met? *met*, *not met* or *inconclusive*, and the probability that it is met.

Part of the pure statistical core. The verdict reads the KPI's confidence interval against the
target: met when the whole interval lies on the good side, not met when the whole of it lies on the
bad side, inconclusive when the target is inside it — the trial has not shown either yet. The
probability of meeting the target is the share of the KPI's sampling draws (bootstrap or
posterior) on the good side; it is what the score's Monte Carlo uses too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["Verdict", "against_target"]

Direction = Literal["higher_is_better", "lower_is_better"]
Status = Literal["met", "not_met", "inconclusive", "no_data"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    estimate: float
    low: float
    high: float
    target: float
    direction: Direction
    probability_met: float  # P(KPI on the good side of the target), from the draws; nan without them

    @property
    def clearly_not_met(self) -> bool:
        return self.status == "not_met"


def against_target(estimate: float, low: float, high: float, target: float, direction: Direction,
                   draws: np.ndarray | None = None) -> Verdict:
    """The verdict of an estimate with its interval (low, high) against a target in the KPI's direction.

    higher is better: met if low ≥ target, not met if high < target; lower is better: met if high ≤ target,
    not met if low > target; otherwise inconclusive. An estimate without an interval (nan) has no data.
    """
    if direction not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"direction must be higher_is_better or lower_is_better, got {direction!r}")
    if not math.isfinite(target):
        raise ValueError(f"target must be finite, got {target!r}")
    if math.isfinite(low) and math.isfinite(high) and low > high:
        raise ValueError(f"the interval must have low ≤ high, got ({low}, {high})")
    probability = math.nan
    if draws is not None and np.asarray(draws).size:
        values = np.asarray(draws, dtype=float)
        values = values[np.isfinite(values)]
        if values.size:
            good = values >= target if direction == "higher_is_better" else values <= target
            probability = float(np.mean(good))
    status: Status
    if not (math.isfinite(estimate) and math.isfinite(low) and math.isfinite(high)):
        status = "no_data"
    elif direction == "higher_is_better":
        status = "met" if low >= target else "not_met" if high < target else "inconclusive"
    else:
        status = "met" if high <= target else "not_met" if low > target else "inconclusive"
    return Verdict(status, float(estimate), float(low), float(high), float(target), direction, probability)
