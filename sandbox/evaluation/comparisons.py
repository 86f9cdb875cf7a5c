"""A KPI against its baseline or control: the effect, its interval and a p-value, by the design at hand.

Part of the pure statistical core: arrays and numbers in, result objects out — no database.

=====================================  ==========================================================
the plan compares with                  method
=====================================  ==========================================================
a fixed value                           one-sample t on cluster values (`one_sample`)
a control site or group, a pre-period   Welch's t on cluster means (`welch`)
  … for a rate (events over exposure)   exact conditional test of two Poisson rates (`rate_ratio`)
both a control and a before/after       difference-in-differences, cluster-robust errors
                                        (`difference_in_differences`)
=====================================  ==========================================================

Clusters are what the data are independent across (sorties, missions, days): samples within one
are not, and a test on samples would claim a certainty the trial does not have. `holm` adjusts
the p-values of the plan's confirmatory KPIs together, so that a trial with many KPIs does not
pass one by chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import stats

from sandbox.evaluation.intervals import count

__all__ = ["Comparison", "difference_in_differences", "holm", "one_sample", "rate_ratio", "welch"]

Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True, slots=True)
class Comparison:
    """An effect (a difference, or a ratio for rates) with its interval, p-value and how it was found."""

    method: str
    effect: float
    scale: Literal["difference", "ratio"]
    low: float
    high: float
    level: float
    p_value: float
    alternative: Alternative
    n_treated: int  # clusters (or events, for a rate ratio) on the trial's side
    n_reference: int  # on the baseline's or control's side
    p_adjusted: float | None = None  # after Holm, across the confirmatory KPIs

    def confidence_interval(self) -> tuple[float, float]:
        return self.low, self.high


def _check(level: float, alternative: str) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(_ALTERNATIVES)}, got {alternative!r}")


def _values(name: str, values: np.ndarray | list[float], at_least: int = 2) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size < at_least:
        raise ValueError(f"{name} must be a 1-D list of at least {at_least} cluster values, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


def one_sample(values: np.ndarray | list[float], reference: float, *, level: float = 0.95,
               alternative: Alternative = "two-sided") -> Comparison:
    """The clusters' mean against a fixed baseline value: t = (x̄ − μ₀) / (s / √n), n − 1 degrees of freedom."""
    _check(level, alternative)
    x = _values("values", values)
    if not math.isfinite(reference):
        raise ValueError(f"reference must be finite, got {reference!r}")
    result = stats.ttest_1samp(x, reference, alternative=alternative)
    interval = result.confidence_interval(level)
    return Comparison("one_sample_t", float(x.mean() - reference), "difference", float(interval.low - reference),
                      float(interval.high - reference), level, float(result.pvalue), alternative, x.size, 0)


def welch(treated: np.ndarray | list[float], reference: np.ndarray | list[float], *, level: float = 0.95,
          alternative: Alternative = "two-sided") -> Comparison:
    """Difference of cluster means, trial minus control (or pre-period), not assuming equal variances.

    t = (x̄₁ − x̄₂) / √(s₁²/n₁ + s₂²/n₂), with Welch–Satterthwaite degrees of freedom
    ν = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1)).
    """
    _check(level, alternative)
    a, b = _values("treated", treated), _values("reference", reference)
    result = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
    interval = result.confidence_interval(level)
    return Comparison("welch_t", float(a.mean() - b.mean()), "difference", float(interval.low), float(interval.high),
                      level, float(result.pvalue), alternative, a.size, b.size)


def rate_ratio(events: int, exposure: float, reference_events: int, reference_exposure: float, *,
               level: float = 0.95, alternative: Alternative = "two-sided") -> Comparison:
    """Ratio of two Poisson rates R = (k₁/E₁) / (k₂/E₂) by the exact conditional test.

    Given the total n = k₁ + k₂, k₁ ~ Binomial(n, π) with π = E₁R / (E₁R + E₂); under R = 1,
    π₀ = E₁ / (E₁ + E₂). The p-value is the binomial test's; the interval is Clopper–Pearson's for π
    mapped back by R = π / (1 − π) · E₂ / E₁ (central, as in Gu et al. 2008).
    """
    _check(level, alternative)
    k1, k2 = count("events", events), count("reference_events", reference_events)
    for name, value in (("exposure", exposure), ("reference_exposure", reference_exposure)):
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    n = k1 + k2
    ratio = (k1 / exposure) / (k2 / reference_exposure) if k2 else (math.inf if k1 else math.nan)
    if n == 0:  # no events on either side: nothing to compare (nan, as scipy does for empty data)
        return Comparison("exact_conditional_poisson", math.nan, "ratio", math.nan, math.nan, level, math.nan,
                          alternative, k1, k2)
    test = stats.binomtest(k1, n, exposure / (exposure + reference_exposure), alternative=alternative)
    interval = stats.binomtest(k1, n).proportion_ci(level, method="exact")

    def to_ratio(pi: float) -> float:
        return math.inf if pi >= 1.0 else pi / (1.0 - pi) * reference_exposure / exposure

    return Comparison("exact_conditional_poisson", ratio, "ratio", to_ratio(interval.low), to_ratio(interval.high),
                      level, float(test.pvalue), alternative, k1, k2)


def difference_in_differences(outcome: np.ndarray | list[float], treated: np.ndarray | list[bool],
                              after: np.ndarray | list[bool], clusters: np.ndarray | list[str | int], *,
                              level: float = 0.95) -> Comparison:
    """The trial's change from before to after, minus the control's change over the same time.

    OLS y = β₀ + β₁·treated + β₂·after + δ·treated·after + ε, with standard errors robust to correlation
    within a cluster (a site-day, a sortie); δ is the effect. Needs observations in all four cells.
    """
    _check(level, "two-sided")
    import statsmodels.api as sm

    y = _values("outcome", outcome, at_least=4)
    t, a = np.asarray(treated, dtype=bool), np.asarray(after, dtype=bool)
    groups = np.unique(np.asarray(clusters), return_inverse=True)[1]
    if not (t.shape == a.shape == groups.shape == y.shape):
        raise ValueError(f"outcome, treated, after and clusters must have one length, got {y.size}, {t.size}, "
                         f"{a.size} and {groups.size}")
    cells = {(bool(i), bool(j)): int(np.sum((t == i) & (a == j))) for i in (False, True) for j in (False, True)}
    if min(cells.values()) == 0:
        raise ValueError(f"difference-in-differences needs control and trial, before and after: counts {cells}")
    if groups.max() + 1 < 4:
        raise ValueError(f"difference-in-differences needs at least 4 clusters, got {groups.max() + 1}")
    if y.size <= 4:
        raise ValueError(f"difference-in-differences needs more observations than its 4 parameters, got {y.size}")
    design = np.column_stack([np.ones_like(y), t, a, t & a]).astype(float)
    try:
        fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    except (ZeroDivisionError, np.linalg.LinAlgError) as exc:
        raise ValueError(f"difference-in-differences cannot be fitted on these data: {exc}") from exc
    low, high = fit.conf_int(alpha=1 - level)[3]
    in_trial = {int(g) for g in groups[t]}
    return Comparison("difference_in_differences", float(fit.params[3]), "difference", float(low), float(high), level,
                      float(fit.pvalues[3]), "two-sided", len(in_trial), int(groups.max() + 1) - len(in_trial))


def holm(comparisons: list[Comparison]) -> list[Comparison]:
    """The same comparisons with Holm-adjusted p-values (step-down; controls the family-wise error rate):
    sorted p₍₁₎ ≤ … ≤ p₍ₘ₎, p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎). A nan p-value stays nan."""
    from statsmodels.stats.multitest import multipletests

    known = [i for i, c in enumerate(comparisons) if math.isfinite(c.p_value)]
    adjusted: dict[int, float] = {}
    if known:
        values = multipletests([comparisons[i].p_value for i in known], method="holm")[1]
        adjusted = {i: float(v) for i, v in zip(known, values, strict=True)}
    return [replace(c, p_adjusted=adjusted.get(i, math.nan)) for i, c in enumerate(comparisons)]
