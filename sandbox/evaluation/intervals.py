"""Confidence intervals for a trial's KPIs, each by the method its kind of number calls for.

Part of the pure statistical core: arrays and numbers in, result objects out — no database.

- a **rate over exposure** (incidents per 100 flight hours, false alarms per day): exact Poisson,
  Garwood (1936), from the chi-square quantiles;
- a **proportion** (mission success, precision, recall, uptime share): Wilson's score interval by
  default, Clopper–Pearson's exact one on request;
- a **mean or ratio** measured over clusters (hectares per hour over sorties, litres per hectare
  over fields, metres between stops over days): a cluster bootstrap — whole sorties, missions or
  days are resampled, because samples within one are not independent — BCa by default, the
  percentile interval when BCa degenerates, with the reason said.

Degenerate cases return nan on purpose (no events in no exposure has no rate), as scipy does.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["BootstrapEstimate", "Proportion", "Rate", "cluster_bootstrap", "count", "proportion", "rate"]

DEFAULT_RESAMPLES = 9_999


def count(name: str, value: int) -> int:
    """A count of events or trials, checked: a whole number ≥ 0 (named in the message otherwise)."""
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")
    return int(value)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")


@dataclass(frozen=True, slots=True)
class Rate:
    """``events`` over ``exposure`` (hours, kilometres, days…), with exact Poisson intervals."""

    events: int
    exposure: float

    @property
    def estimate(self) -> float:
        return self.events / self.exposure if self.exposure > 0 else math.nan

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Garwood's central interval: [χ²(α/2; 2k) / 2E, χ²(1 − α/2; 2k + 2) / 2E], lower 0 when k = 0."""
        _check_level(level)
        if self.exposure <= 0:
            return math.nan, math.nan
        alpha = 1.0 - level
        low = stats.chi2.ppf(alpha / 2, 2 * self.events) / (2 * self.exposure) if self.events else 0.0
        high = stats.chi2.ppf(1 - alpha / 2, 2 * self.events + 2) / (2 * self.exposure)
        return float(low), float(high)

    def upper_bound(self, level: float = 0.95) -> float:
        """The one-sided upper bound χ²(level; 2k + 2) / 2E: the rate is below it with confidence ``level``."""
        _check_level(level)
        if self.exposure <= 0:
            return math.nan
        return float(stats.chi2.ppf(level, 2 * self.events + 2) / (2 * self.exposure))

    def lower_bound(self, level: float = 0.95) -> float:
        """The one-sided lower bound χ²(1 − level; 2k) / 2E (0 with no events)."""
        _check_level(level)
        if self.exposure <= 0:
            return math.nan
        return float(stats.chi2.ppf(1 - level, 2 * self.events) / (2 * self.exposure)) if self.events else 0.0

    def draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the rate from its Jeffreys posterior Gamma(k + ½, E), for the score's Monte Carlo and the
        probability of meeting a target (defined, unlike the sampling distribution, with no events)."""
        if self.exposure <= 0:
            return np.full(n, math.nan)
        return rng.gamma(self.events + 0.5, 1.0 / self.exposure, size=n)


def rate(events: int, exposure: float) -> Rate:
    """A rate of events over exposure; validated (events a whole number ≥ 0, exposure ≥ 0 and finite)."""
    events = count("events", events)
    if not math.isfinite(exposure) or exposure < 0:
        raise ValueError(f"exposure must be finite and ≥ 0, got {exposure!r}")
    return Rate(events, float(exposure))


@dataclass(frozen=True, slots=True)
class Proportion:
    """``successes`` of ``trials``, with Wilson's or the exact interval."""

    successes: int
    trials: int

    @property
    def estimate(self) -> float:
        return self.successes / self.trials if self.trials else math.nan

    def confidence_interval(self, level: float = 0.95,
                            method: Literal["wilson", "exact"] = "wilson") -> tuple[float, float]:
        """Wilson: (p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n); exact: Clopper–Pearson's beta quantiles."""
        _check_level(level)
        if method not in ("wilson", "exact"):
            raise ValueError(f"method must be 'wilson' or 'exact', got {method!r}")
        if not self.trials:
            return math.nan, math.nan
        result = stats.binomtest(self.successes, self.trials).proportion_ci(level, method=method)
        return float(result.low), float(result.high)

    def draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the share from its Jeffreys posterior Beta(x + ½, n − x + ½) (see `Rate.draws`)."""
        if not self.trials:
            return np.full(n, math.nan)
        return rng.beta(self.successes + 0.5, self.trials - self.successes + 0.5, size=n)


def proportion(successes: int, trials: int) -> Proportion:
    """A share of successes; validated (0 ≤ successes ≤ trials, whole numbers)."""
    successes, trials = count("successes", successes), count("trials", trials)
    if successes > trials:
        raise ValueError(f"successes ({successes}) cannot exceed trials ({trials})")
    return Proportion(successes, trials)


@dataclass(frozen=True, slots=True)
class BootstrapEstimate:
    """A ratio of sums over clusters, Σ numerator / Σ denominator, and its cluster-bootstrap interval."""

    estimate: float
    low: float
    high: float
    level: float
    method: Literal["BCa", "percentile", "none"]
    n_clusters: int
    n_resamples: int
    seed: int
    reason: str | None = None  # why the interval is not the one asked for, or missing
    std_error: float = math.nan
    draws: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    def confidence_interval(self) -> tuple[float, float]:
        return self.low, self.high


def _ratio_of_sums(numerators: np.ndarray, denominators: np.ndarray, axis: int = -1) -> np.ndarray:
    # R = Σ y_c / Σ x_c over the clusters c drawn: the estimator of a mean per unit of x (a mean per
    # observation when x counts the observations), consistent under cluster resampling.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(numerators, axis=axis) / np.sum(denominators, axis=axis)


def cluster_bootstrap(numerators: np.ndarray | list[float], denominators: np.ndarray | list[float] | None = None, *,
                      level: float = 0.95, method: Literal["BCa", "percentile"] = "BCa",
                      n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> BootstrapEstimate:
    """Resample whole clusters (sorties, missions, days) to bound a mean or a ratio measured over them.

    ``numerators[c]`` and ``denominators[c]`` are cluster ``c``'s sums (hectares and hours of a sortie;
    a day's metres and stops); without ``denominators`` each cluster counts once (the mean of the
    cluster values). BCa (Efron 1987) corrects the percentile interval for bias and skew; it
    degenerates when the resampled statistic barely varies or the clusters are too few, and then the
    percentile interval is given with the reason.
    """
    _check_level(level)
    if method not in ("BCa", "percentile"):
        raise ValueError(f"method must be 'BCa' or 'percentile', got {method!r}")
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples!r}")
    y = np.asarray(numerators, dtype=float)
    x = np.ones_like(y) if denominators is None else np.asarray(denominators, dtype=float)
    if y.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"numerators and denominators must be 1-D of one length, got {y.shape} and {x.shape}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(x))):
        raise ValueError("numerators and denominators must be finite")
    if np.any(x < 0):
        raise ValueError("denominators must be ≥ 0")
    estimate = float(_ratio_of_sums(y, x)) if y.size and x.sum() > 0 else math.nan
    common = {"estimate": estimate, "level": level, "n_clusters": int(y.size), "n_resamples": n_resamples, "seed": seed}
    if y.size < 2 or not math.isfinite(estimate):
        return BootstrapEstimate(low=math.nan, high=math.nan, method="none",
                                 reason=f"{y.size} cluster(s) with exposure: too few to resample", **common)
    reason = None
    used = method
    for attempt in (method, "percentile") if method == "BCa" else (method,):
        used = attempt
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = stats.bootstrap((y, x), _ratio_of_sums, paired=True, vectorized=True, confidence_level=level,
                                     n_resamples=n_resamples, method=attempt, rng=np.random.default_rng(seed))
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            break
        problem = "; ".join(str(w.message) for w in caught) or "the interval is not finite"
        reason = f"{attempt} interval degenerate ({problem}); the percentile interval is given"
    draws = np.asarray(result.bootstrap_distribution)
    if not (math.isfinite(low) and math.isfinite(high)):
        return BootstrapEstimate(low=math.nan, high=math.nan, method="none", draws=draws,
                                 reason="the resampled statistic is not finite (a resample without exposure)", **common)
    return BootstrapEstimate(low=low, high=high, method=used, reason=reason, std_error=float(result.standard_error),
                             draws=draws, **common)
