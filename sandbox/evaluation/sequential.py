"""Group-sequential monitoring of a field trial with planned interim looks.

An evaluator who plans to look at a trial's primary KPI before the trial ends (after, say, a third and two thirds
of the planned flights) cannot test at the usual one-sided 2.5 % at every look: repeated testing inflates the false
success rate. This module gives the boundaries that keep the overall one-sided error at alpha, using Lan-DeMets
alpha-spending functions (O'Brien-Fleming or Pocock type), optional non-binding futility boundaries from beta
spending, and the decision at each look, so that policy staff can stop early for success or for futility honestly.

Z_k is the standardised test statistic at look k, computed on the information available at that look;
t_k = I_k / I_K is the information fraction. Under the design drift theta, E[Z_k] = theta * sqrt(t_k), and the
score S_k = Z_k * sqrt(t_k) is Brownian motion with drift theta observed at times t_k (independent increments).
Crossing probabilities come from the recursive numerical integration of Armitage, McPherson & Rowe (1969) in the
grid form of Jennison & Turnbull (2000), chapter 19, as in gsDesign and rpact. Pure numpy/scipy, no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

Spending = Literal["obrien_fleming", "pocock"]
Boundaries = Literal["obrien_fleming", "pocock", "obrien_fleming_classical"]
Decision = Literal["continue", "stop_for_efficacy", "stop_for_futility"]

MESH = 64  # Jennison & Turnbull's r (12r - 3 Simpson nodes); boundaries move < 1e-9 from r = 64 to r = 128.
Z_CAP = 20.0  # a boundary that nothing crosses (P(Z > 20) ~ 3e-89) when a look spends no error at all.
MAX_LOOKS = 20
_XTOL = 1e-13


def obrien_fleming_spending(t: float, alpha: float) -> float:
    """O'Brien-Fleming type (Lan-DeMets; rpact "asOF", gsDesign sfLDOF): alpha(t) = 2 - 2 Phi(z_{1-alpha/2}/sqrt t)."""
    t, alpha = _fraction(t), _probability("alpha", alpha)
    if t == 0.0:
        return 0.0
    return float(2.0 * ndtr(ndtri(alpha / 2.0) / math.sqrt(t)))  # 2 - 2 Phi(x) = 2 Phi(-x), -z_{1-a/2} = z_{a/2}


def pocock_spending(t: float, alpha: float) -> float:
    """Pocock type (Lan-DeMets, rpact "asP", gsDesign sfLDPocock): alpha(t) = alpha ln(1 + (e - 1) t)."""
    t, alpha = _fraction(t), _probability("alpha", alpha)
    return alpha * math.log1p((math.e - 1.0) * t)


SPENDING_FUNCTIONS: dict[str, Callable[[float, float], float]] = {"obrien_fleming": obrien_fleming_spending,
                                                                   "pocock": pocock_spending}


@dataclass(frozen=True, slots=True)
class GroupSequentialDesign:
    """Boundaries on the z scale for looks at information fractions t_1 < ... < t_K = 1 (one-sided, upper = success)."""

    information_fractions: tuple[float, ...]
    alpha: float
    spending: Boundaries
    upper_boundaries: tuple[float, ...]  # reject H0 at look k if Z_k >= upper_k
    lower_boundaries: tuple[float, ...] | None  # non-binding futility: may stop if Z_k < lower_k; last = last upper
    alpha_spent: tuple[float, ...]  # cumulative alpha(t_k): P(reject by look k | H0), futility ignored
    beta: float | None = None
    drift: float | None = None  # E[Z_K] under the planned effect
    beta_spending: Spending | None = None
    beta_spent: tuple[float, ...] | None = None  # cumulative beta(t_k) as planned
    futility_capped_looks: tuple[int, ...] = ()  # 1-based looks where the computed lower boundary was set to the upper
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InterimLook:
    """The decision at the current look, with the boundaries that produced it."""

    look: int  # 1-based
    looks_planned: int
    information_fraction: float
    z: float
    decision: Decision
    upper_boundary: float
    lower_boundary: float | None
    upper_nominal_p: float  # one-sided 1 - Phi(upper_k): the p-value a single test would need at this look
    lower_nominal_p: float | None
    alpha_spent: float  # cumulative alpha(t_k)
    reason: str


def design(information_fractions: Sequence[float], alpha: float = 0.025, spending: Spending = "obrien_fleming",
           beta: float | None = None, drift: float | None = None,
           beta_spending: Spending | None = None) -> GroupSequentialDesign:
    """Efficacy boundaries from alpha spending; with beta, non-binding futility boundaries from beta spending.

    Without drift, the drift is the one giving power 1 - beta to the efficacy boundaries (drift_for_power).
    """
    t = _fractions(information_fractions)
    alpha, spend = _probability("alpha", alpha, 0.5, " (one-sided)"), _spending("spending", spending)
    if beta is None:
        if drift is not None or beta_spending is not None:
            raise ValueError(f"drift and beta_spending need beta, got beta=None, drift={drift!r}, "
                             f"beta_spending={beta_spending!r}")
        upper = _efficacy(t, alpha, spend)
        return GroupSequentialDesign(t, alpha, spending, upper, None, _cumulative(t, alpha, spend))
    beta = _probability("beta", beta, 1.0 - alpha, " = (0, 1 - alpha)")
    beta_spending = spending if beta_spending is None else beta_spending
    beta_spend = _spending("beta_spending", beta_spending)
    upper = _efficacy(t, alpha, spend)  # non-binding: computed ignoring futility
    if drift is None:
        drift = _drift(t, upper, beta)
    elif _number("drift", drift) <= 0.0:
        raise ValueError(f"drift must be positive (the expected z at full information), got {drift!r}")
    lower, capped = _futility(t, upper, float(drift), beta, beta_spend)
    notes = tuple(f"look {k}: the futility boundary from beta spending crossed the efficacy boundary "
                  f"and was set to it ({upper[k - 1]:.4f})" for k in capped)
    return GroupSequentialDesign(t, alpha, spending, upper, lower, _cumulative(t, alpha, spend), beta, float(drift),
                                 beta_spending, _cumulative(t, beta, beta_spend), capped, notes)


def classical_obrien_fleming(information_fractions: Sequence[float], alpha: float = 0.025) -> GroupSequentialDesign:
    """O'Brien & Fleming's (1979) own boundaries b_k = c / sqrt(t_k), c solving P(cross at some look | H0) = alpha
    (rpact's default design, typeOfDesign "OF"): for comparing with published designs; the spending version,
    `design(spending="obrien_fleming")`, is the default because it allows looks other than those planned."""
    t = _fractions(information_fractions)
    alpha = _probability("alpha", alpha, 0.5, " (one-sided)")
    c = brentq(lambda c: _power(t, tuple(c / math.sqrt(x) for x in t), 0.0) - alpha, 0.0, Z_CAP, xtol=_XTOL)
    upper = tuple(float(c / math.sqrt(x)) for x in t)
    spent = tuple(_power(t[:k], upper[:k], 0.0) for k in range(1, len(t) + 1))
    return GroupSequentialDesign(t, alpha, "obrien_fleming_classical", upper, None, spent)


def drift_for_power(information_fractions: Sequence[float], alpha: float = 0.025, beta: float = 0.2,
                    spending: Spending = "obrien_fleming") -> float:
    """The drift theta = E[Z_K] with P(some Z_k >= upper_k | theta) = 1 - beta (K = 1: z_{1-alpha} + z_{1-beta})."""
    t = _fractions(information_fractions)
    alpha = _probability("alpha", alpha, 0.5, " (one-sided)")
    upper = _efficacy(t, alpha, _spending("spending", spending))
    return _drift(t, upper, _probability("beta", beta, 1.0 - alpha, " = (0, 1 - alpha)"))


def look(design: GroupSequentialDesign, z_observed: Sequence[float]) -> InterimLook:
    """The decision at look k = len(z_observed), given the z statistics of all looks so far."""
    big_k = len(design.information_fractions)
    zs = [_number(f"z_observed[{i}]", z) for i, z in enumerate(z_observed)]
    if not 1 <= len(zs) <= big_k:
        raise ValueError(f"z_observed must hold between 1 and {big_k} values (one per look so far), got {len(zs)}")
    for i, z in enumerate(zs[:-1]):
        if z >= design.upper_boundaries[i]:
            raise ValueError(f"z_observed[{i}]={z} already crossed the efficacy boundary "
                             f"{design.upper_boundaries[i]:.4f} at look {i + 1}; the trial stopped there")
    k, z = len(zs), float(zs[-1])
    upper = design.upper_boundaries[k - 1]
    lower = None if design.lower_boundaries is None else design.lower_boundaries[k - 1]
    decision: Decision
    if z >= upper:
        decision, reason = "stop_for_efficacy", f"z = {z:.4f} >= efficacy boundary {upper:.4f}"
    elif k == big_k:  # last look: not crossing the final boundary is the trial's failure to show the effect
        decision, reason = "stop_for_futility", f"final look: z = {z:.4f} < efficacy boundary {upper:.4f}"
    elif lower is not None and z < lower:
        decision, reason = "stop_for_futility", f"z = {z:.4f} < futility boundary {lower:.4f} (non-binding)"
    else:
        decision, reason = "continue", f"z = {z:.4f} lies between the boundaries"
    return InterimLook(k, big_k, design.information_fractions[k - 1], z, decision, upper, lower,
                       float(ndtr(-upper)), None if lower is None else float(ndtr(-lower)),
                       design.alpha_spent[k - 1], reason)


# --- recursive numerical integration (Jennison & Turnbull 2000, section 19.2) -----------------------------------

def _grid(mean: float, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Simpson nodes z and weights w on (lo, hi) for a density centred near mean (J&T 19.2, mesh r = MESH)."""
    r = MESH
    i = np.arange(1, 6 * r, dtype=float)
    # x_i = mean + {-3 - 4 ln(r/i)} (i < r), {-3 + 3(i - r)/(2r)} (r <= i <= 5r), {3 + 4 ln(r/(6r - i))} (i > 5r)
    x = mean + np.where(i < r, -3.0 - 4.0 * np.log(r / i),
                        np.where(i <= 5 * r, -3.0 + 3.0 * (i - r) / (2.0 * r), 3.0 + 4.0 * np.log(r / (6 * r - i))))
    lo, hi = max(lo, x[0]), min(hi, x[-1])
    if hi <= lo:
        return np.empty(0), np.empty(0)
    odd = np.concatenate(([lo], x[(x > lo) & (x < hi)], [hi]))  # the continuation region's ends replace outer points
    z = np.empty(2 * odd.size - 1)
    z[0::2], z[1::2] = odd, (odd[:-1] + odd[1:]) / 2.0  # midpoints make the even nodes
    d = np.diff(odd)
    w = np.zeros_like(z)
    w[0:-1:2] += d / 6.0  # Simpson on each interval: (d/6) [f(left) + 4 f(mid) + f(right)]
    w[1::2] = 4.0 * d / 6.0
    w[2::2] += d / 6.0
    return z, w


class _Path:
    """Density of Z at the last look, restricted to 'not yet stopped', as Simpson-weighted values v_i = w_i g(z_i)."""

    def __init__(self, theta: float) -> None:
        self.theta, self.t, self.z, self.v = theta, 0.0, np.zeros(1), np.ones(1)  # Z_0 = 0 surely at t_0 = 0

    def _s(self, c: float | np.ndarray, t: float) -> np.ndarray:
        # S_k - S_{k-1} ~ N(theta dt, dt), so P(Z_k < c | Z_{k-1} = z) = Phi(s) with
        # s = (c sqrt t_k - z sqrt t_{k-1} - theta dt) / sqrt dt; c may be a vector of nodes (one row each).
        dt, c = t - self.t, np.asarray(c, dtype=float)[..., None]
        return (c * math.sqrt(t) - self.z * math.sqrt(self.t) - self.theta * dt) / math.sqrt(dt)

    def above(self, c: float, t: float) -> float:
        """P(Z_k >= c, not stopped before | theta)."""
        return float(self.v @ ndtr(-self._s(c, t)))

    def below(self, c: float, t: float) -> float:
        """P(Z_k < c, not stopped before | theta)."""
        return float(self.v @ ndtr(self._s(c, t)))

    def advance(self, t: float, lo: float, hi: float) -> None:
        """Carry the density to look t on the continuation region (lo, hi):
        g_k(z) = sum_i w_i g_{k-1}(z_i) sqrt(t_k/dt) phi((z sqrt t_k - z_i sqrt t_{k-1} - theta dt)/sqrt dt)."""
        z, w = _grid(self.theta * math.sqrt(t), lo, hi)
        density = np.exp(-0.5 * self._s(z, t) ** 2) / math.sqrt(2.0 * math.pi) @ self.v if z.size else z
        self.v, self.z, self.t = w * density * math.sqrt(t / (t - self.t)), z, t


def _efficacy(t: tuple[float, ...], alpha: float, spend: Callable[[float, float], float]) -> tuple[float, ...]:
    """Solve P(Z_k >= b_k, Z_j < b_j for j < k | H0) = alpha(t_k) - alpha(t_{k-1}) for b_k, look after look."""
    path, spent, upper = _Path(0.0), 0.0, []
    for tk in t:
        target = spend(tk, alpha) - spent
        spent += target
        f = lambda c, tk=tk, target=target: path.above(c, tk) - target  # noqa: E731 - decreasing in c
        b = Z_CAP if f(Z_CAP) >= 0.0 else brentq(f, -Z_CAP, Z_CAP, xtol=_XTOL, rtol=4 * np.finfo(float).eps)
        upper.append(float(b))
        path.advance(tk, -math.inf, b)
    return tuple(upper)


def _power(t: tuple[float, ...], upper: tuple[float, ...], theta: float) -> float:
    """P(Z_k >= upper_k at some look | drift theta), futility ignored: sum_k P(cross first at k)."""
    path, power = _Path(theta), 0.0
    for tk, b in zip(t, upper, strict=True):
        power += path.above(b, tk)
        path.advance(tk, -math.inf, b)
    return power


def _drift(t: tuple[float, ...], upper: tuple[float, ...], beta: float) -> float:
    return float(brentq(lambda th: _power(t, upper, th) - (1.0 - beta), 0.0, 2.0 * Z_CAP, xtol=1e-12))


def _futility(t: tuple[float, ...], upper: tuple[float, ...], theta: float, beta: float,
              spend: Callable[[float, float], float]) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Solve P(Z_k < l_k, l_j <= Z_j < b_j for j < k | theta) = beta(t_k) - beta(t_{k-1}); l_K = b_K."""
    path, spent, lower, capped = _Path(theta), 0.0, [], []
    for k, (tk, b) in enumerate(zip(t, upper, strict=True), start=1):
        target = spend(tk, beta) - spent
        spent += target
        if k == len(t):
            lower.append(b)
            break
        f = lambda c, tk=tk, target=target: path.below(c, tk) - target  # noqa: E731 - increasing in c
        if f(b) <= 0.0:  # even l_k = b_k spends too little beta: the boundaries meet, the trial ends here
            lower.append(b)
            capped.append(k)
        else:
            lower.append(float(brentq(f, -2.0 * Z_CAP, b, xtol=_XTOL, rtol=4 * np.finfo(float).eps)))
        path.advance(tk, lower[-1], b)
    return tuple(lower), tuple(capped)


def _cumulative(t: tuple[float, ...], total: float, spend: Callable[[float, float], float]) -> tuple[float, ...]:
    return tuple(spend(tk, total) for tk in t)


# --- validation ---------------------------------------------------------------------------------------------------

def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _fraction(t: float) -> float:
    t = _number("t", t)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"t must be an information fraction in [0, 1], got {t!r}")
    return t


def _probability(name: str, p: object, upper: float = 1.0, what: str = "") -> float:
    p = _number(name, p)
    if not 0.0 < p < upper:
        raise ValueError(f"{name} must be in (0, {upper:g}){what}, got {p!r}")
    return p


def _spending(name: str, spending: object) -> Callable[[float, float], float]:
    if not isinstance(spending, str) or spending not in SPENDING_FUNCTIONS:
        raise ValueError(f"{name} must be 'obrien_fleming' or 'pocock', got {spending!r}")
    return SPENDING_FUNCTIONS[spending]


def _fractions(information_fractions: Sequence[float]) -> tuple[float, ...]:
    if isinstance(information_fractions, str | bytes) or not isinstance(information_fractions, Sequence | np.ndarray):
        raise ValueError(f"information_fractions must be a sequence of numbers, got {information_fractions!r}")
    t = [_number(f"information_fractions[{i}]", x) for i, x in enumerate(information_fractions)]
    if not 1 <= len(t) <= MAX_LOOKS:
        raise ValueError(f"information_fractions must hold between 1 and {MAX_LOOKS} looks, got {len(t)}")
    if t[0] <= 0.0:
        raise ValueError(f"information_fractions must be positive, got {t}")
    if any(b <= a for a, b in itertools.pairwise(t)) or abs(t[-1] - 1.0) > 1e-12:
        raise ValueError(f"information_fractions must increase strictly to 1, got {t}")
    return (*t[:-1], 1.0)
