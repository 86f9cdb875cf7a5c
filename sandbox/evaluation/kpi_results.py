"""One KPI of a plan, measured: its estimate and interval by the right method, its verdict against the target,
its bound against a safety limit, its utility, its sampling draws, and its comparison with the baseline.

Part of the pure core; `assessment` calls it for each KPI of the plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from sandbox.evaluation import comparisons as compare
from sandbox.evaluation import formulas
from sandbox.evaluation.intervals import Proportion, Rate, cluster_bootstrap
from sandbox.evaluation.measures import Clusters, Scope, clusters_of, point, scale
from sandbox.evaluation.metrics import METRICS, Metric
from sandbox.evaluation.report import ComparisonRow, KpiRow, Words
from sandbox.evaluation.scoring import Utility, default_utility
from sandbox.evaluation.verdicts import against_target

__all__ = ["Measured", "measure_kpi"]

_METHODS = {"rate": "Garwood exact Poisson", "proportion": "Wilson", "total": "total (no interval)"}


@dataclass(frozen=True, slots=True)
class Measured:
    row: KpiRow
    draws: np.ndarray | None  # the KPI's sampling draws in its display scale, for the score
    std_error: float | None
    comparison: ComparisonRow | None
    utility: Utility | None = None  # its utility curve (0 unacceptable, 60 at target, 100 excellent)


def _after(clusters: Clusters, cut: date | None) -> Clusters:
    return clusters if cut is None else clusters.where(clusters.day >= np.datetime64(cut, "D"))


def _interval(metric: Metric, c: Clusters, level: float, n_resamples: int, n_draws: int, seed: int
              ) -> tuple[float, float, float | None, np.ndarray | None, str, Words | None]:
    """(low, high, one-sided 95 % bound on the bad side, draws, method, note), in the display scale."""
    k = scale(metric)
    rng = np.random.default_rng(seed)
    bad_low = metric.direction == "lower_is_better"  # the bound that shows harm: above for lower-is-better
    if metric.estimator == "rate":
        events = _whole(c.numerator.sum())
        rate = Rate(events, float(c.denominator.sum()))
        low, high = rate.confidence_interval(level)
        bound = rate.lower_bound(0.95) if bad_low else rate.upper_bound(0.95)
        return low * k, high * k, bound * k, rate.draws(n_draws, rng) * k if rate.exposure > 0 else None, \
            _METHODS["rate"], None
    if metric.estimator == "proportion":
        share = Proportion(_whole(c.numerator.sum()), _whole(c.denominator.sum()))
        low, high = share.confidence_interval(level)
        one_sided = share.confidence_interval(0.90)
        bound = one_sided[0] if bad_low else one_sided[1]
        return low * k, high * k, bound * k, share.draws(n_draws, rng) * k if share.trials else None, \
            _METHODS["proportion"], None
    if metric.estimator == "total":
        value = float(c.numerator.sum())
        return value, value, None, None, _METHODS["total"], None
    boot = cluster_bootstrap(c.numerator, c.denominator, level=level, n_resamples=n_resamples, seed=seed)
    cluster = metric.cluster or "cluster"
    method = f"cluster bootstrap {boot.method} by {cluster}" if boot.method != "none" else "cluster bootstrap"
    note = Words(f"Khoảng tin cậy: {boot.reason}", f"Interval: {boot.reason}") if boot.reason else None
    draws = boot.draws * k if boot.draws.size and np.all(np.isfinite(boot.draws)) else None
    bound = None
    if draws is not None:
        bound = float(np.quantile(draws, 0.05 if bad_low else 0.95))
    return boot.low * k, boot.high * k, bound, draws, method, note


def _whole(value: float) -> int:
    """A count summed over clusters (floats in the arrays), back to the whole number it is."""
    return round(float(value))


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def measure_kpi(kpi: dict[str, Any], scope: Scope, *, level: float, n_resamples: int, n_draws: int, seed: int
                ) -> Measured:
    """The KPI as the plan defines it (``kpi`` is the plan's KPI document), measured in the scope's data."""
    baseline = kpi.get("baseline") or {}
    cut = date.fromisoformat(baseline["pre_period_end"]) if baseline.get("pre_period_end") else None
    target, limit = float(kpi["target"]), kpi.get("limit")
    common: dict[str, Any] = dict(
        code=kpi["code"], name=kpi["name"], metric=kpi.get("metric") or kpi.get("formula") or "", unit=kpi["unit"],
        dimension=kpi["dimension"], direction=kpi["direction"], target=target, limit=limit,
        weight=float(kpi.get("weight", 1.0)), confirmatory=bool(kpi.get("confirmatory", False)), level=level)
    if kpi.get("formula"):
        return _measure_formula(kpi, scope, common, cut, n_resamples=n_resamples, n_draws=n_draws, seed=seed)
    metric = METRICS.get(kpi["metric"])
    if metric is None:
        return _unmeasured(common, Words(f"Chỉ số '{kpi['metric']}' không có trong thư viện",
                                         f"No metric '{kpi['metric']}' in the library"))
    every = clusters_of(metric, scope)
    trial = _after(every.where(every.role == "trial"), cut)
    estimate = point(metric, trial)
    low, high, bound, draws, method, note = _interval(metric, trial, level, n_resamples, n_draws, seed)
    if not math.isfinite(estimate):
        low = high = math.nan
        bound, draws = None, None
    verdict = against_target(estimate, low, high, target, kpi["direction"], draws)
    status = verdict.status
    if metric.estimator == "rate" and target == 0 and math.isfinite(estimate):
        # A target of none at all: met when none happened; no interval of a rate can reach 0 otherwise.
        status = "met" if estimate == 0 else "not_met"
        note = Words("Mục tiêu 0: đạt khi không xảy ra lần nào", "Target 0: met when none occurred")
    utility = default_utility(kpi["direction"], target, None if limit is None or limit == target else float(limit),
                              best=100.0 if metric.percent else None, kpi=kpi["code"])
    std_error = float(np.std(draws)) if draws is not None else None
    exposure = float(trial.denominator.sum()) if metric.estimator in ("rate", "ratio", "proportion") else None
    row = KpiRow(**common, title=Words(metric.title.vi, metric.title.en), estimate=_finite(estimate),
                 low=_finite(low), high=_finite(high), method=method, note=note, clusters=trial.size,
                 exposure=exposure, exposure_unit=every.exposure_unit, verdict=status,
                 probability_met=_finite(verdict.probability_met),
                 limit_bound=_finite(bound) if limit is not None else None,
                 utility=float(utility(estimate)) if math.isfinite(estimate) else None)
    comparison = _compare(metric, kpi, every, scope, level) if baseline else None
    return Measured(row, draws, std_error, comparison, utility)


def _unmeasured(common: dict[str, Any], note: Words) -> Measured:
    title = Words(common["metric"], common["metric"])
    row = KpiRow(**common, title=title, estimate=None, low=None, high=None, method="—", note=note, clusters=0,
                 exposure=None, exposure_unit=None, verdict="no_data", probability_met=None, limit_bound=None,
                 utility=None)
    return Measured(row, None, None, None)


def _measure_formula(kpi: dict[str, Any], scope: Scope, common: dict[str, Any], cut: date | None, *,
                     n_resamples: int, n_draws: int, seed: int) -> Measured:
    """A formula over metrics: its value from their estimates, its interval from their draws side by side."""
    formula, level = kpi["formula"], common["level"]
    try:
        names = formulas.names_in(formula)
    except formulas.FormulaError as exc:
        return _unmeasured(common, Words(f"Công thức không hợp lệ: {exc}", f"The formula is not valid: {exc}"))
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        return _unmeasured(common, Words(f"Không có chỉ số {', '.join(unknown)} trong thư viện",
                                         f"No metric {', '.join(unknown)} in the library"))
    rng = np.random.default_rng(seed)
    points: dict[str, float] = {}
    draws: dict[str, np.ndarray] = {}
    sizes = []
    for i, name in enumerate(names):
        metric = METRICS[name]
        every = clusters_of(metric, scope)
        trial = _after(every.where(every.role == "trial"), cut)
        points[name] = point(metric, trial)
        sizes.append(trial.size)
        own = _interval(metric, trial, level, n_resamples, n_draws, seed + 1000 * (i + 1))[3]
        draws[name] = own[rng.integers(0, own.size, n_draws)] if own is not None and own.size else \
            np.full(n_draws, points[name])
    estimate = float(formulas.evaluate(formula, points))
    values = np.asarray(formulas.evaluate(formula, draws), dtype=float)
    finite = values[np.isfinite(values)]
    if not math.isfinite(estimate) or finite.size < n_draws // 2:
        return _unmeasured(common, Words("Chưa tính được: thiếu dữ liệu của một chỉ số trong công thức",
                                         "Not computable yet: a metric of the formula has no data"))
    alpha = 1.0 - level
    low, high = (float(v) for v in np.quantile(finite, [alpha / 2, 1 - alpha / 2]))
    verdict = against_target(estimate, low, high, common["target"], kpi["direction"], finite)
    limit = common["limit"]
    bound = float(np.quantile(finite, 0.05 if kpi["direction"] == "lower_is_better" else 0.95))
    utility = default_utility(kpi["direction"], common["target"],
                              None if limit is None or limit == common["target"] else float(limit), kpi=kpi["code"])
    note = None if finite.size == values.size else Words(
        f"{values.size - finite.size} lượt rút không xác định (chia cho 0) bị bỏ",
        f"{values.size - finite.size} draws undefined (division by 0) left out")
    row = KpiRow(**common, title=Words(formula, formula), estimate=estimate, low=low, high=high,
                 method=f"Monte Carlo over {', '.join(names)}", note=note, clusters=min(sizes), exposure=None,
                 exposure_unit=None, verdict=verdict.status, probability_met=_finite(verdict.probability_met),
                 limit_bound=bound if limit is not None else None, utility=float(utility(estimate)))
    return Measured(row, finite, float(np.std(finite)), None, utility)


def _values(metric: Metric, c: Clusters) -> np.ndarray:
    keep = c.denominator > 0
    return c.numerator[keep] / c.denominator[keep] * scale(metric)


def _compare(metric: Metric, kpi: dict[str, Any], every: Clusters, scope: Scope, level: float) -> ComparisonRow:
    baseline = kpi["baseline"]
    kind = baseline["kind"]
    cut = date.fromisoformat(baseline["pre_period_end"]) if baseline.get("pre_period_end") else None
    trial, control = every.where(every.role == "trial"), every.where(every.role == "control")
    uploaded = [r for r in scope.inputs.references if r.kpi == kpi["code"]]
    base: dict[str, Any] = dict(kpi=kpi["code"], alternative="two-sided")
    try:
        if kind == "fixed":
            return _against_fixed(metric, _after(trial, cut), float(baseline["value"]), level, base)
        if kind == "control" and cut is not None and control.size:
            before = np.datetime64(cut, "D")
            both = every.where((every.role == "trial") | (every.role == "control"))
            keep = both.denominator > 0
            both = both.where(keep)
            outcome = both.numerator / both.denominator * scale(metric)
            result = compare.difference_in_differences(outcome, both.role == "trial", both.day >= before,
                                                       both.group.astype(str) + "/" + both.day.astype(str), level=level)
            return _row(result, "control_and_pre_period", None, base)
        if kind == "control":
            reference = control if control.size else _uploaded(uploaded, "control", every)
            return _two_groups(metric, _after(trial, cut), reference, "control", level, base)
        before = np.datetime64(cut, "D") if cut else None
        reference = trial.where(trial.day < before) if before is not None else _uploaded(uploaded, "pre_period", every)
        if before is None and not reference.size:
            raise ValueError("no pre-period: give the baseline a pre_period_end or upload pre-period records")
        return _two_groups(metric, _after(trial, cut), reference, "pre_period", level, base)
    except ValueError as exc:
        return ComparisonRow(**base, baseline=_kind(kind, cut), method="—", effect=None, scale="difference", low=None,
                             high=None, p_value=None, p_adjusted=None, n_treated=trial.size, n_reference=0,
                             reference_value=None, note=Words(f"Không so sánh được: {exc}", f"Not compared: {exc}"))


def _kind(kind: str, cut: date | None) -> str:
    return "control_and_pre_period" if kind == "control" and cut is not None else kind


def _uploaded(rows: list, group: str, like: Clusters) -> Clusters:
    chosen = [r for r in rows if r.group == group]
    return Clusters(np.asarray([r.numerator for r in chosen], dtype=float),
                    np.asarray([r.denominator for r in chosen], dtype=float),
                    np.asarray([r.day for r in chosen], dtype="datetime64[D]"),
                    np.full(len(chosen), group, dtype=object), np.full(len(chosen), group, dtype=object),
                    like.exposure_unit)


def _against_fixed(metric: Metric, trial: Clusters, value: float, level: float, base: dict[str, Any]
                   ) -> ComparisonRow:
    if metric.estimator in ("ratio", "quantile"):
        result = compare.one_sample(_values(metric, trial), value, level=level)
        return _row(result, "fixed", value, base)
    k = scale(metric)
    from scipy import stats

    if metric.estimator == "rate":
        events, exposure = _whole(trial.numerator.sum()), float(trial.denominator.sum())
        if exposure <= 0:
            raise ValueError("no exposure")
        test = stats.poisson(value / k * exposure)
        p = min(1.0, 2 * min(test.cdf(events), test.sf(events - 1)))
        low, high = Rate(events, exposure).confidence_interval(level)
        effect = events / exposure * k - value
        return ComparisonRow(**base, baseline="fixed", method="exact Poisson", effect=effect, scale="difference",
                             low=low * k - value, high=high * k - value, p_value=p, p_adjusted=None,
                             n_treated=events, n_reference=0, reference_value=value)
    successes, trials = _whole(trial.numerator.sum()), _whole(trial.denominator.sum())
    if trials == 0:
        raise ValueError("no trials")
    test = stats.binomtest(successes, trials, min(1.0, max(0.0, value / k)))
    low, high = Proportion(successes, trials).confidence_interval(level)
    return ComparisonRow(**base, baseline="fixed", method="exact binomial", effect=successes / trials * k - value,
                         scale="difference", low=low * k - value, high=high * k - value, p_value=float(test.pvalue),
                         p_adjusted=None, n_treated=trials, n_reference=0, reference_value=value)


def _two_groups(metric: Metric, trial: Clusters, reference: Clusters, kind: str, level: float,
                base: dict[str, Any]) -> ComparisonRow:
    if metric.estimator == "rate":
        k = scale(metric)
        result = compare.rate_ratio(_whole(trial.numerator.sum()), float(trial.denominator.sum()),
                                    _whole(reference.numerator.sum()), float(reference.denominator.sum()),
                                    level=level)
        reference_value = reference.numerator.sum() / reference.denominator.sum() * k
        return _row(result, kind, float(reference_value), base)
    values = _values(metric, reference)
    result = compare.welch(_values(metric, trial), values, level=level)
    return _row(result, kind, float(values.mean()), base)


def _row(result: compare.Comparison, kind: str, reference_value: float | None, base: dict[str, Any]) -> ComparisonRow:
    return ComparisonRow(**base, baseline=kind, method=result.method, effect=_finite(result.effect),  # type: ignore[arg-type]
                         scale=result.scale, low=_finite(result.low), high=_finite(result.high),
                         p_value=_finite(result.p_value), p_adjusted=None, n_treated=result.n_treated,
                         n_reference=result.n_reference, reference_value=reference_value)
