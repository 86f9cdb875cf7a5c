"""The report laid out once, in words and tables of one language, for the HTML and the PDF to draw alike.

`build` reads a `ReportContent` and returns sections of plain blocks — definitions, tables, bullets,
paragraphs, charts by name — whose strings are *not* escaped: each renderer escapes for its own format,
so a value is escaped exactly once, where it is written. Both outputs therefore show the same sections,
numbers and words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.evaluation.rendering import labels as L
from sandbox.evaluation.rendering.labels import label, word
from sandbox.evaluation.rendering.numbers import (
    DASH,
    interval,
    local_date,
    local_time,
    number,
    p_value,
    percent,
    with_unit,
)
from sandbox.evaluation.report import KpiRow, ReportContent
from sandbox.i18n import Language, Text

__all__ = ["Bullets", "Chart", "Definitions", "Document", "Headline", "Paragraph", "Section", "Subheading",
           "Table", "build"]


@dataclass(frozen=True, slots=True)
class Definitions:
    items: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[str]]  # a cell may hold "\n": a line break
    numeric: frozenset[int] = frozenset()  # columns aligned right
    tone_column: int | None = None  # the column coloured by the row's tone
    tones: list[str] = field(default_factory=list)  # "met", "not_met", "passed", "failed"…


@dataclass(frozen=True, slots=True)
class Bullets:
    items: list[str]
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    tone: str = ""  # "note", "warning"


@dataclass(frozen=True, slots=True)
class Subheading:
    text: str


@dataclass(frozen=True, slots=True)
class Headline:
    text: str
    tone: str  # the decision's code


@dataclass(frozen=True, slots=True)
class Chart:
    name: str  # a key of charts.CHARTS


Block = Definitions | Table | Bullets | Paragraph | Subheading | Headline | Chart


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass(frozen=True, slots=True)
class Document:
    language: Language
    title: str
    subtitle: str
    sections: list[Section]
    provenance: Definitions | None


KINDS = {"agri_uav": Text("UAV phun thuốc nông nghiệp", "Agricultural spraying UAV"),
         "ai_camera": Text("Camera AI", "AI camera"), "amr": Text("Robot tự hành", "Autonomous mobile robot")}
PROVENANCE = {"fingerprint": Text("Dấu vân tay (dữ liệu và tham số)", "Fingerprint (data and parameters)"),
              "code_version": Text("Phiên bản mã nguồn", "Code version"),
              "parameters": Text("Tham số", "Parameters"), "until": Text("Dữ liệu tính đến", "Data cut-off")}


def _in(language: Language) -> Callable[[str], str]:
    return lambda key: label(key, language)


def build(content: ReportContent, language: Language, *, version: int | None = None, status: str | None = None,
          provenance: dict[str, str] | None = None) -> Document:
    trial = content.trial
    t = _in(language)
    sections = [
        _overview(content, language, version, status),
        _recommendation(content, language),
        Section("kpis", t("s_kpis"), [_kpi_table(content.kpis, language)] if content.kpis
                else [Paragraph(t("no_data"), "note")]),
        Section("forest", t("s_forest"), [Chart("forest"), Paragraph(t("forest_note"), "note")]),
        _comparisons(content, language),
        _monitoring(content, language),
        _score(content, language),
        _incidents(content, language),
        Section("map", t("s_map"), [Chart("map")]),
        Section("warnings", t("s_warnings"), [Bullets([w.vi if language == "vi" else w.en for w in content.warnings],
                                                      "warning")] if content.warnings else [Paragraph(t("none"))]),
    ]
    footer = None
    if provenance:
        footer = Definitions([(word(PROVENANCE, key, language), str(value)) for key, value in provenance.items()])
    return Document(language, t("report"), f"{trial.reference} — {trial.title or t('untitled')}", sections, footer)


def _overview(content: ReportContent, language: Language, version: int | None, status: str | None) -> Section:
    trial, t = content.trial, _in(language)
    items = [(t("trial"), trial.reference), (t("title"), trial.title or t("untitled")),
             (t("organisation"), trial.organisation), (t("product"), trial.product),
             (t("kind"), word(KINDS, trial.kind, language)),
             (t("period"), f"{local_date(trial.start_date, language)} – {local_date(trial.end_date, language)}"),
             (t("plan_version"), str(trial.plan_version)),
             (t("until"), local_time(content.until, language)),
             (t("data_range"), f"{local_time(content.data_from, language)} – {local_time(content.data_to, language)}")]
    sample = content.sample or {}
    if "reached" in sample or "planned" in sample:
        items.append((t("sample"), f"{_num(sample.get('reached'), language)} / {_num(sample.get('planned'), language)}"
                                   f" {sample.get('unit') or ''}".rstrip()))
    if content.devices:
        items.append((t("devices"), ", ".join(sorted(content.devices.values()))))
    if version is not None:
        items.append((t("version"), str(version)))
    if status is not None:
        items.append((t("status"), word(L.STATUSES, status, language)))
    return Section("header", t("s_header"), [Definitions(items), Paragraph(t("times_note"), "note")])


def _num(value: object, language: Language) -> str:
    return number(float(value), language) if isinstance(value, int | float) else DASH  # type: ignore[arg-type]


def _recommendation(content: ReportContent, language: Language) -> Section:
    result, t = content.recommendation, _in(language)
    blocks: list[Block] = [Headline(word(L.DECISIONS, result.decision, language), result.decision)]
    if result.reasons:
        blocks += [Subheading(t("reasons")), Bullets([r.text.vi if language == "vi" else r.text.en
                                                      for r in result.reasons])]
    rows = [[word(L.GATES, g.gate, language), t("passed") if g.passed else t("failed"),
             g.text.vi if language == "vi" else g.text.en] for g in result.gates]
    if rows:
        blocks += [Subheading(t("gates")), Table([t("gate"), t("result"), t("details")], rows, tone_column=1,
                                                tones=["passed" if g.passed else "failed" for g in result.gates])]
    return Section("recommendation", t("s_recommendation"), blocks)


def _bound(kpi: KpiRow, value: float | None, language: Language) -> str:
    if value is None:
        return DASH
    sign = "≥" if kpi.direction == "higher_is_better" else "≤"
    return f"{sign}\u00a0{with_unit(value, kpi.unit, language)}"


def _kpi_table(kpis: list[KpiRow], language: Language) -> Table:
    t = _in(language)
    rows = []
    for k in kpis:
        ci = interval(k.low, k.high, language)
        if ci != DASH and abs(k.level - 0.95) > 1e-9:
            ci += f" ({percent(k.level, language, 0)})"
        method = k.method + (f"\n{k.note.vi if language == 'vi' else k.note.en}" if k.note else "")
        target = _bound(k, k.target, language)
        if k.limit is not None:
            target += f"\n{t('limit').lower()} {_bound(k, k.limit, language)}"
        rows.append([f"{k.name}\n{word(L.DIMENSIONS, k.dimension, language)}",
                     k.title.vi if language == "vi" else k.title.en, with_unit(k.estimate, k.unit, language), ci,
                     method, target, word(L.VERDICTS, k.verdict, language), percent(k.probability_met, language),
                     number(k.utility, language, 1)])
    header = [t("kpi"), t("metric"), t("estimate"), t("ci"), t("method"), f"{t('target')} / {t('limit').lower()}",
              t("verdict"), t("probability_met"), t("utility")]
    return Table(header, rows, numeric=frozenset({2, 7, 8}), tone_column=6, tones=[k.verdict for k in kpis])


def _comparisons(content: ReportContent, language: Language) -> Section:
    t = _in(language)
    names = {k.code: k.name for k in content.kpis}
    units = {k.code: k.unit for k in content.kpis}
    rows = []
    for c in content.comparisons:
        if c.scale == "ratio":  # a ratio has no unit; a difference is in the KPI's
            effect = f"×{number(c.effect, language)}" if c.effect is not None else DASH
        else:
            effect = with_unit(c.effect, units.get(c.kpi, ""), language)
        method = f"{c.method}\n{word(L.ALTERNATIVES, c.alternative, language)}"
        if c.note:
            method += f"\n{c.note.vi if language == 'vi' else c.note.en}"
        rows.append([names.get(c.kpi, c.kpi), word(L.BASELINES, c.baseline, language),
                     with_unit(c.reference_value, units.get(c.kpi, ""), language),
                     f"{effect} ({word(L.SCALES, c.scale, language)})", interval(c.low, c.high, language),
                     p_value(c.p_value, language), p_value(c.p_adjusted, language), method,
                     f"{c.n_treated} / {c.n_reference}"])
    if not rows:
        return Section("comparisons", t("s_comparisons"), [Paragraph(t("none"))])
    header = [t("kpi"), t("baseline"), t("reference_value"), t("effect"), t("ci"), t("p"), t("p_holm"),
              t("method"), t("n")]
    return Section("comparisons", t("s_comparisons"), [Table(header, rows, numeric=frozenset({2, 3, 5, 6, 8}))])


def _monitoring(content: ReportContent, language: Language) -> Section:
    m, t = content.monitoring, _in(language)
    names = {k.code: k.name for k in content.kpis}
    blocks: list[Block] = [Definitions([
        (t("primary_kpi"), names.get(m.kpi, m.kpi) if m.kpi else DASH), (t("spending"), m.spending),
        (t("alpha"), number(m.alpha, language, 3)),
        (t("look_decision"), word(L.LOOK_DECISIONS, m.decision, language))])]
    if m.looks:
        rows = [[str(look.number), f"v{look.report_version}" if look.report_version is not None else t("this_report"),
                 percent(look.information_fraction, language), number(look.z, language, 2),
                 number(look.efficacy_bound, language, 2), number(look.futility_bound, language, 2),
                 word(L.LOOK_DECISIONS, look.decision, language)] for look in m.looks]
        header = [t("look"), t("report_version"), t("information"), t("z"), t("efficacy_bound"), t("futility_bound"),
                  t("look_decision")]
        blocks.append(Table(header, rows, numeric=frozenset({2, 3, 4, 5})))
    if m.note:
        blocks.append(Paragraph(m.note.vi if language == "vi" else m.note.en, "note"))
    return Section("monitoring", t("s_monitoring"), blocks)


def _score(content: ReportContent, language: Language) -> Section:
    s, t = content.score, _in(language)
    if s is None:
        return Section("score", t("s_score"), [Paragraph(t("no_data"), "note"), Chart("score")])
    items = [(t("point"), number(s.point, language, 1)), (t("mean"), number(s.mean, language, 1)),
             (t("interval95"), interval(s.low, s.high, language, 1)),
             (t("threshold"), number(s.threshold, language, 0)), (t("p_score"), percent(s.probability, language)),
             (t("weighting"), word(L.WEIGHTINGS, s.weighting, language)),
             (t("cr"), number(s.consistency_ratio, language, 3)),
             (t("draws"), f"{number(s.n_draws, language, 0)} (seed {s.seed})")]
    if s.left_out:
        items.append((t("left_out"), ", ".join(s.left_out)))
    rows = []
    for dimension, weight in s.weights.items():
        bounds = s.dimension_intervals.get(dimension) or [None, None]
        rows.append([word(L.DIMENSIONS, dimension, language), number(s.dimensions.get(dimension), language, 1),
                     interval(bounds[0], bounds[-1], language, 1), percent(weight, language)])
    table = Table([t("dimension"), t("score"), t("interval95"), t("weight")], rows, numeric=frozenset({1, 2, 3}))
    return Section("score", t("s_score"), [Definitions(items), table, Chart("score")])


def _incidents(content: ReportContent, language: Language) -> Section:
    t = _in(language)
    counts = sorted(content.incident_counts.items(), key=lambda item: (-item[1], item[0]))
    blocks: list[Block] = []
    if counts:
        blocks.append(Table([t("category"), t("count")],
                            [[L.category(code, language), number(n, language, 0)] for code, n in counts],
                            numeric=frozenset({1})))
    else:
        blocks.append(Paragraph(t("no_incidents")))
    blocks.append(Chart("incidents"))
    return Section("incidents", t("s_incidents"), blocks)
