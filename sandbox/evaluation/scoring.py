"""One impact score per trial, from its KPIs, with the uncertainty of the KPIs carried through.

Each KPI value becomes a utility (0–100) on a piecewise-linear curve through three anchors; a dimension's
score is the weighted mean of its KPIs' utilities; the total is the weighted mean of the dimensions (weights
given directly or derived by AHP from pairwise judgements). The KPIs' sampling distributions are propagated
by Monte Carlo, so the report can say how sure the score is, not just what it is. numpy only: no database,
web or broker here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["DIMENSIONS", "RANDOM_INDEX", "TARGET_UTILITY", "AhpWeights", "InconsistentJudgements", "KpiEstimate",
           "ScoreDistribution", "Utility", "ahp", "default_utility", "direct_weights", "score"]

Direction = Literal["higher_is_better", "lower_is_better"]
DIMENSIONS = ("safety", "effectiveness", "reliability", "compliance", "acceptance")
# Meeting the target is a pass, not excellence: a trial that just meets every target scores 60, leaving
# 60–100 to tell "as planned" from "better than planned", and 0–60 to grade shortfalls.
TARGET_UTILITY = 60.0
# Saaty's random consistency index RI(n) for n = 1…10 (Saaty 1980, The Analytic Hierarchy Process).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CR_THRESHOLD = 0.10  # Saaty's rule: a consistency ratio of 10% or more means the judgements need revisiting
ZERO_TARGET_BAND = 1.0  # the absolute band used when the target is 0 (one count: one breach is unacceptable)
RELATIVE_BAND = 0.2  # otherwise the band is 20% of |target|


@dataclass(frozen=True)
class Utility:
    """A KPI's utility curve: 0 at ``unacceptable``, TARGET_UTILITY at ``target``, 100 at ``excellent``.

    Anchors must be ordered in the direction; ties are allowed: where anchors coincide the curve steps and a
    value on the tie gets the better utility (all three equal: a pass/fail KPI, 100 at or past the target, else 0).
    """

    direction: Direction
    unacceptable: float
    target: float
    excellent: float
    kpi: str = field(default="", compare=False)  # named in error messages only

    def __post_init__(self) -> None:
        anchors = (self.unacceptable, self.target, self.excellent)
        name = f"KPI {self.kpi!r}" if self.kpi else "KPI"
        if self.direction not in ("higher_is_better", "lower_is_better"):
            raise ValueError(f"{name}: direction must be higher_is_better or lower_is_better, not {self.direction!r}")
        if not all(np.isfinite(a) for a in anchors):
            raise ValueError(f"{name}: utility anchors must be finite, got {anchors}")
        u, t, e = self._oriented(np.asarray(anchors, dtype=float))
        if not u <= t <= e:
            order = "unacceptable ≤ target ≤ excellent" if self.direction == "higher_is_better" \
                else "unacceptable ≥ target ≥ excellent"
            raise ValueError(f"{name} ({self.direction}): anchors must satisfy {order}; got unacceptable="
                             f"{self.unacceptable}, target={self.target}, excellent={self.excellent}")

    def _oriented(self, values: np.ndarray) -> np.ndarray:
        # Work in "goodness" g: g = x for higher_is_better, g = −x for lower_is_better, so anchors increase.
        return values if self.direction == "higher_is_better" else -values

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        """Utilities of KPI values (any shape; Monte Carlo draws are passed as arrays)."""
        g = self._oriented(np.asarray(values, dtype=float))
        u, t, e = self._oriented(np.array([self.unacceptable, self.target, self.excellent]))
        low_span, high_span = (t - u) or 1.0, (e - t) or 1.0  # a zero span is never selected below
        # u < g < t: U = 60·(g − u)/(t − u);  t ≤ g < e: U = 60 + 40·(g − t)/(e − t);  g ≥ e: 100;  g ≤ u: 0
        upper = TARGET_UTILITY + (100.0 - TARGET_UTILITY) * (g - t) / high_span
        lower = TARGET_UTILITY * (g - u) / low_span
        return np.select([g >= e, g >= t, g > u], [100.0, upper, lower], 0.0)


def default_utility(direction: Direction, target: float, limit: float | None = None, *,
                    best: float | None = None, kpi: str = "") -> Utility:
    """Used when the plan gives a KPI only a target (and perhaps a safety limit), not a full utility curve.

    Rule: band = 20% of |target| (1.0 when the target is 0). excellent = target moved by the band in the good
    direction, but never past ``best`` (the best value the KPI can take, e.g. 1.0 for a proportion).
    unacceptable = the safety limit when given, else the target moved by the band in the bad direction
    (falling short costs 60 points over the band, exceeding earns 40: shortfalls weigh more).
    A lower-is-better target of 0 (e.g. privacy breaches) is already the best value: excellent = 0 and
    unacceptable = limit or 1, so 0 scores 100, 0.5 scores 30 and 1 or more scores 0.
    """
    sign = 1.0 if direction == "higher_is_better" else -1.0
    band = RELATIVE_BAND * abs(target) if target != 0 else ZERO_TARGET_BAND
    if target == 0 and direction == "lower_is_better":
        excellent = 0.0
    else:
        excellent = target + sign * band
        if best is not None:
            excellent = min(excellent, best) if sign > 0 else max(excellent, best)
    unacceptable = limit if limit is not None else target - sign * band
    return Utility(direction, float(unacceptable), float(target), float(excellent), kpi=kpi)


class InconsistentJudgements(ValueError):
    """The pairwise judgements contradict each other too much (CR ≥ 0.10) to yield weights."""

    def __init__(self, consistency_ratio: float, lambda_max: float) -> None:
        self.consistency_ratio = consistency_ratio
        self.lambda_max = lambda_max
        super().__init__(f"the pairwise judgements are inconsistent: consistency ratio {consistency_ratio:.4f} "
                         f"is not below the {CR_THRESHOLD:.2f} threshold (λmax = {lambda_max:.4f}); "
                         "revisit the comparisons")


@dataclass(frozen=True)
class AhpWeights:
    labels: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float

    def as_dict(self) -> dict[str, float]:
        """Used to pass AHP weights where direct weights are accepted (label → weight)."""
        return dict(zip(self.labels, self.weights, strict=True))


def ahp(matrix: Sequence[Sequence[float]] | np.ndarray, labels: Sequence[str]) -> AhpWeights:
    """Used when policy staff weigh the dimensions by pairwise comparison instead of stating weights."""
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"the pairwise comparison matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if not 1 <= n <= len(RANDOM_INDEX):
        raise ValueError(f"the pairwise comparison matrix must have 1 to {len(RANDOM_INDEX)} rows, got {n}")
    if len(labels) != n or len(set(labels)) != n:
        raise ValueError(f"need {n} distinct labels for a {n}×{n} matrix, got {list(labels)}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("the pairwise comparison matrix must be positive and finite")
    if not np.allclose(np.diag(a), 1.0, rtol=1e-6, atol=0.0):
        raise ValueError(f"the pairwise comparison matrix must have 1 on its diagonal, got {np.diag(a).tolist()}")
    bad = ~np.isclose(a.T, 1.0 / a, rtol=1e-6, atol=0.0)  # reciprocal: a_ji = 1/a_ij
    if bad.any():
        i, j = (int(k) for k in np.argwhere(bad)[0])
        raise ValueError(f"the pairwise comparison matrix is not reciprocal: a[{j}][{i}] = {a[j, i]} "
                         f"but 1/a[{i}][{j}] = {1.0 / a[i, j]}")
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))  # Perron root: real, largest, with a one-signed eigenvector
    lambda_max = float(eigenvalues[k].real)
    vector = eigenvectors[:, k].real
    weights = vector / vector.sum()  # principal right eigenvector, normalised to sum 1
    ri = RANDOM_INDEX[n - 1]
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0  # CI = (λmax − n)/(n − 1); n ≤ 2 is always consistent
    cr = ci / ri if n > 2 else 0.0  # CR = CI/RI(n)
    if cr >= CR_THRESHOLD:
        raise InconsistentJudgements(cr, lambda_max)
    return AhpWeights(tuple(labels), tuple(float(w) for w in weights), lambda_max, ci, cr, ri)


def direct_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Used when policy staff state the dimension weights directly: checked and normalised to sum 1."""
    unknown = set(weights) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown dimensions {sorted(unknown)}; expected some of {list(DIMENSIONS)}")
    for name, w in weights.items():
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"the weight of dimension {name!r} must be finite and non-negative, got {w}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("the dimension weights must not all be zero")
    return {name: w / total for name, w in weights.items()}


@dataclass(frozen=True)
class KpiEstimate:
    """A KPI's point estimate and sampling distribution: bootstrap/posterior draws, or normal(estimate, se)."""

    code: str
    dimension: str
    weight: float  # within its dimension, as in the plan
    utility: Utility
    draws: np.ndarray | None = field(compare=False, repr=False)
    estimate: float
    std_error: float | None = None  # None or 0 with no draws: the value is taken as known

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"KPI {self.code!r}: unknown dimension {self.dimension!r}")
        if not np.isfinite(self.weight) or self.weight < 0:
            raise ValueError(f"KPI {self.code!r}: weight must be finite and non-negative, got {self.weight}")
        if not np.isfinite(self.estimate):
            raise ValueError(f"KPI {self.code!r}: estimate must be finite, got {self.estimate}")
        if self.std_error is not None and not (np.isfinite(self.std_error) and self.std_error >= 0):
            raise ValueError(f"KPI {self.code!r}: std_error must be finite and non-negative, got {self.std_error}")
        if self.draws is not None:
            draws = np.asarray(self.draws, dtype=float)
            if draws.ndim != 1 or draws.size == 0 or not np.all(np.isfinite(draws)):
                raise ValueError(f"KPI {self.code!r}: draws must be a non-empty 1-D array of finite values")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Used by score(): n draws of the KPI value from its sampling distribution."""
        if self.draws is not None:
            draws = np.asarray(self.draws, dtype=float)
            return draws[rng.integers(0, draws.size, size=n)]  # resampled with replacement to n draws
        if self.std_error:
            return rng.normal(self.estimate, self.std_error, size=n)
        return np.full(n, float(self.estimate))


@dataclass(frozen=True)
class ScoreDistribution:
    point: float  # the score of the KPIs' point estimates
    mean: float  # the mean of the Monte Carlo scores (differs from point where utilities clamp or bend)
    percentile_2_5: float
    median: float
    percentile_97_5: float
    threshold: float
    probability_at_least_threshold: float  # P(score ≥ threshold), the share of draws at or above it
    dimension_points: dict[str, float]  # every dimension with weighted KPIs, used in the total or not
    dimension_intervals: dict[str, tuple[float, float]]  # their 2.5 and 97.5 percentiles
    weights: dict[str, float]  # the dimensions used in the total, weights renormalised to sum 1
    dimensions_left_out: tuple[str, ...]  # weighted dimensions without KPIs: their weight was redistributed
    n_draws: int
    seed: int
    draws: np.ndarray = field(compare=False, repr=False)  # the n_draws total scores, for a histogram

    @property
    def dimensions_used(self) -> tuple[str, ...]:
        """Used to show which dimensions make up the total."""
        return tuple(self.weights)

    @property
    def renormalised(self) -> bool:
        """Used to flag in the report that dimension weights were redistributed."""
        return bool(self.dimensions_left_out)


def score(kpis: Sequence[KpiEstimate], dimension_weights: Mapping[str, float] | AhpWeights, threshold: float,
          n_draws: int = 10_000, seed: int = 0) -> ScoreDistribution:
    """Used to turn a trial's KPIs into its impact score with a 95% interval and P(score ≥ threshold).

    Same seed, same result (KPIs are sampled in the order given). Dimensions without KPIs are left out and
    the other dimensions' weights renormalised; the result names the ones left out.
    """
    if not kpis:
        raise ValueError("at least one KPI is needed to score a trial")
    if not (np.isfinite(threshold) and 0 <= threshold <= 100):
        raise ValueError(f"the threshold must lie in 0–100, got {threshold}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}")
    stated = direct_weights(dimension_weights.as_dict() if isinstance(dimension_weights, AhpWeights)
                            else dimension_weights)
    rng = np.random.default_rng(seed)
    point_utils: dict[str, list[tuple[float, float]]] = {}
    draw_utils: dict[str, list[tuple[float, np.ndarray]]] = {}
    for kpi in kpis:
        draws = kpi.utility(kpi.sample(rng, n_draws))  # sample every KPI, so the stream does not depend on weights
        if kpi.weight > 0:
            point_utils.setdefault(kpi.dimension, []).append((kpi.weight, float(kpi.utility(kpi.estimate))))
            draw_utils.setdefault(kpi.dimension, []).append((kpi.weight, draws))
    scored = [d for d in DIMENSIONS if d in point_utils]
    if not scored:
        raise ValueError("every KPI has weight 0: nothing to score")
    # dimension score D_d = Σ_k w_k·U_k / Σ_k w_k over the dimension's KPIs
    dim_point = {d: sum(w * u for w, u in point_utils[d]) / sum(w for w, _ in point_utils[d]) for d in scored}
    dim_draws = {d: sum(w * u for w, u in draw_utils[d]) / sum(w for w, _ in draw_utils[d]) for d in scored}
    used = [d for d in scored if stated.get(d, 0.0) > 0]
    if not used:
        raise ValueError(f"no dimension with KPIs {scored} has a positive weight")
    total_weight = sum(stated[d] for d in used)
    weights = {d: stated[d] / total_weight for d in used}  # renormalised over the dimensions with KPIs
    left_out = tuple(d for d in DIMENSIONS if stated.get(d, 0.0) > 0 and d not in point_utils)
    # total S = Σ_d W_d·D_d
    point = sum(weights[d] * dim_point[d] for d in used)
    total = np.sum([weights[d] * dim_draws[d] for d in used], axis=0)
    low, median, high = np.percentile(total, [2.5, 50.0, 97.5])
    intervals = {d: (float(np.percentile(dim_draws[d], 2.5)), float(np.percentile(dim_draws[d], 97.5)))
                 for d in scored}
    return ScoreDistribution(
        point=float(point), mean=float(total.mean()), percentile_2_5=float(low), median=float(median),
        percentile_97_5=float(high), threshold=float(threshold),
        probability_at_least_threshold=float(np.mean(total >= threshold)),
        dimension_points=dim_point, dimension_intervals=intervals, weights=weights, dimensions_left_out=left_out,
        n_draws=n_draws, seed=seed, draws=total,
    )
