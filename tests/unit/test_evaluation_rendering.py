"""The report drawn for people: HTML and PDF in either language, numbers and times as readers expect, charts
that say what the data says (and say "no data" when there is none)."""

from __future__ import annotations

import io
import math
import uuid
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import msgspec
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sandbox.evaluation.inputs import SiteShape, Track
from sandbox.evaluation.metrics import metric
from sandbox.evaluation.rendering import render_html, render_pdf
from sandbox.evaluation.rendering.charts import (
    CHARTS,
    SEVERITY_COLOURS,
    VERDICT_COLOURS,
    forest_plot,
    incidents_over_time,
    score_histogram,
    site_map,
    to_png,
    to_svg,
)
from sandbox.evaluation.rendering.figures import PLACEHOLDER
from sandbox.evaluation.rendering.maps import scale_length_m
from sandbox.evaluation.rendering.numbers import interval, local_time, number, p_value, percent, with_unit
from sandbox.evaluation.report import (
    ComparisonRow,
    IncidentDay,
    KpiRow,
    Look,
    Monitoring,
    ReasonRow,
    RecommendationResult,
    ReportContent,
    ScoreSummary,
    TrialSummary,
    Words,
)

LAT, LON = 9.7705, 105.4690  # Vị Tân paddies, Vị Thanh


def kpi(code: str, name: str, unit: str, **fields: object) -> KpiRow:
    defaults: dict = {"metric": code, "title": Words(metric(code).title.vi, metric(code).title.en), "dimension": "effectiveness",
                      "direction": "higher_is_better", "limit": None, "weight": 1.0, "confirmatory": False,
                      "level": 0.95, "method": "cluster bootstrap BCa by sortie", "note": None, "clusters": 48,
                      "exposure": 61.5, "exposure_unit": "h", "limit_bound": None}
    return KpiRow(code=code, name=name, unit=unit, **{**defaults, **fields})


def rectangle(lon: float, lat: float, width_m: float, height_m: float) -> list[list[list[float]]]:
    dx, dy = width_m / (111_320 * math.cos(math.radians(lat))), height_m / 111_320
    return [[[lon, lat], [lon + dx, lat], [lon + dx, lat + dy], [lon, lat + dy], [lon, lat]]]


def lawnmower(lon: float, lat: float, passes: int) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for i in range(passes):
        y = lat + 0.0002 + i * 0.00025
        row = [lon + 0.0002, lon + 0.0028]
        xs += row if i % 2 == 0 else row[::-1]
        ys += [y, y]
    return xs, ys


def gate(name: str, passed: bool, vi: str, en: str, kpi_code: str | None = None) -> ReasonRow:
    return ReasonRow(gate=name, passed=passed, text=Words(vi, en), kpi=kpi_code, numbers={})


@pytest.fixture
def uav() -> ReportContent:
    kpis = [
        kpi("hectares_per_hour", "Năng suất phun", "ha/h", estimate=4.21, low=3.86, high=4.57, target=4.0,
            verdict="met", probability_met=0.87, utility=72.4, confirmatory=True),
        kpi("field_coverage_pct", "Độ phủ ruộng", "%", estimate=88.6, low=85.1, high=91.9, target=95.0,
            verdict="not_met", probability_met=0.0, utility=41.0, method="cluster bootstrap BCa by day"),
        kpi("geofence_breaches_per_100_flight_hours", "Vi phạm hàng rào địa lý trên 100 giờ bay", "/100 h",
            dimension="safety", direction="lower_is_better", estimate=1.63, low=0.04, high=9.06, target=2.0,
            limit=10.0, limit_bound=7.7, verdict="inconclusive", probability_met=0.55, utility=64.0,
            method="Garwood exact Poisson", clusters=1),
        kpi("data_completeness_pct", "Độ đầy đủ dữ liệu", "%", dimension="reliability", estimate=None, low=None,
            high=None, target=98.0, verdict="no_data", probability_met=None, utility=None, method="—",
            note=Words("Chưa có ngày nào đủ dữ liệu để tính.", "No day has enough data yet.")),
    ]
    rng = np.random.default_rng(7)
    edges = [float(e) for e in range(0, 102, 2)]
    histogram = np.histogram(np.clip(rng.normal(62.5, 4.2, 10_000), 0, 100), bins=edges)[0].tolist()
    start = date(2026, 11, 9)
    incidents = [IncidentDay(start + timedelta(days=d), counts) for d, counts in
                 [(0, [1, 0, 0, 0, 0]), (1, [0, 2, 0, 0, 0]), (4, [2, 0, 1, 0, 0]), (8, [0, 1, 0, 0, 0])]]
    drone_a, drone_b = uuid.UUID(int=11), uuid.UUID(int=12)
    return ReportContent(
        trial=TrialSummary(id=uuid.UUID(int=1), reference="SB-2026-0001", kind="agri_uav",
                           title="Phun thuốc bảo vệ thực vật bằng UAV trên ruộng lúa Vị Tân",
                           organisation="Công ty TNHH Nông nghiệp Bay Mekong", product="MekongFly A30",
                           start_date=date(2026, 11, 1), end_date=date(2027, 2, 28), plan_version=2),
        until=datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
        data_from=datetime(2026, 11, 8, 22, 31, tzinfo=UTC), data_to=datetime(2026, 11, 20, 2, 10, tzinfo=UTC),
        sample={"reached": 61.5, "planned": 120.0, "unit": "flight hours"},
        kpis=kpis,
        comparisons=[ComparisonRow(kpi="hectares_per_hour", baseline="control", method="Welch t-test, log scale",
                                   effect=5.93, scale="ratio", low=4.81, high=7.31, p_value=0.00021,
                                   p_adjusted=0.00042, alternative="greater", n_treated=48, n_reference=12,
                                   reference_value=0.71)],
        monitoring=Monitoring(kpi="hectares_per_hour", spending="O'Brien–Fleming (Lan–DeMets)", alpha=0.025,
                              looks=[Look(number=1, report_version=1, information_fraction=0.5, z=1.42,
                                          efficacy_bound=2.9626, futility_bound=None, decision="continue"),
                                     Look(number=2, report_version=None, information_fraction=0.51, z=1.47,
                                          efficacy_bound=2.9257, futility_bound=None, decision="continue")],
                              decision="continue", note=Words("Lần xem xét thứ 2 của 3.", "Look 2 of 3.")),
        score=ScoreSummary(point=63.2, mean=62.5, low=54.1, high=70.3, threshold=60.0, probability=0.706,
                           dimensions={"effectiveness": 58.3, "safety": 64.0},
                           dimension_intervals={"effectiveness": [49.0, 67.2], "safety": [40.1, 80.5]},
                           weights={"effectiveness": 0.6, "safety": 0.4}, weighting="ahp", consistency_ratio=0.0,
                           left_out=["reliability"], n_draws=10_000, seed=20261120, histogram=histogram,
                           bin_edges=edges),
        recommendation=RecommendationResult(
            decision="modify",
            reasons=[gate("effectiveness", False, "field_coverage_pct: 88,6 (KTC 95 % 85,1–91,9), mục tiêu 95: "
                          "rõ ràng không đạt", "field_coverage_pct: 88.6 (95% CI 85.1–91.9), target 95: clearly "
                          "not met", "field_coverage_pct")],
            gates=[gate("severe_incidents", True, "0 sự cố nghiêm trọng (mức 4–5)", "0 severe incident(s)"),
                   gate("safety_limits", True, "cận 7,7 trong giới hạn 10", "bound 7.7 within limit 10"),
                   gate("effectiveness", True, "hectares_per_hour: đạt", "hectares_per_hour: met"),
                   gate("effectiveness", False, "field_coverage_pct: rõ ràng không đạt",
                        "field_coverage_pct: clearly not met"),
                   gate("evidence", False, "Đã thu 61,5 / 120 giờ bay", "61.5 of 120 flight hours"),
                   gate("score", False, "P(điểm ≥ 60) = 0,71, cần ≥ 0,80", "P(score ≥ 60) = 0.71, needs ≥ 0.80")]),
        incidents=incidents,
        incident_counts={"link_lost": 3, "geofence_breach": 1, "height_exceeded": 3},
        sites=[SiteShape("Ruộng thử nghiệm Vị Tân", "trial", [rectangle(LON, LAT, 320, 260)]),
               SiteShape("Ruộng đối chứng", "control", [rectangle(LON + 0.0045, LAT, 220, 180)])],
        tracks=[Track(drone_a, "MF-A30-0001", *lawnmower(LON, LAT, 9)),
                Track(drone_b, "MF-A30-0002", *lawnmower(LON + 0.0001, LAT + 0.0001, 5))],
        devices={str(drone_a): "MF-A30-0001", str(drone_b): "MF-A30-0002"},
        warnings=[Words("Máy bay MF-A30-0002 mất kết nối 4 phút ngày 12/11.", "MF-A30-0002 lost its link for 4 "
                        "minutes on 12 Nov.")],
    )


@pytest.fixture
def camera(uav: ReportContent) -> ReportContent:
    """An AI camera's report: sites but no tracks, no score, no comparison, no interim look, no incident."""
    return msgspec.structs.replace(
        uav, trial=msgspec.structs.replace(uav.trial, reference="SB-2026-0002", kind="ai_camera",
                                           title="Camera AI tại nút giao 30/4 – 3/2"),
        kpis=[kpi("uptime_pct", "Thời gian hoạt động", "%", dimension="reliability", estimate=99.1, low=98.2,
                  high=99.6, target=98.0, verdict="met", probability_met=0.99, utility=90.0)],
        comparisons=[], score=None, incidents=[], incident_counts={}, tracks=[], warnings=[],
        monitoring=Monitoring(kpi=None, spending="—", alpha=0.025, looks=[], decision="not_planned"),
        recommendation=RecommendationResult(decision="extend", reasons=[], gates=[]),
        sites=[SiteShape("Nút giao 30/4 – 3/2", "trial", [rectangle(105.7772, 10.0299, 90, 80)])])


def empty(content: ReportContent) -> ReportContent:
    return msgspec.structs.replace(content, kpis=[], score=None, incidents=[], sites=[], tracks=[])


class Outline(HTMLParser):
    """What a reader's browser would build: the open elements must close in order, and what is inside."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "h2" in self.stack:
            self.headings.append(data.strip())
        if "svg" not in self.stack and "style" not in self.stack:
            self.text.append(data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    parser.close()
    assert not parser.problems and not parser.stack, (parser.problems, parser.stack)
    return parser


VI_HEADINGS = ["Thông tin chung", "Khuyến nghị", "Chỉ số đánh giá (KPI)", "KPI so với mục tiêu",
               "So sánh với đối chứng", "Giám sát giữa kỳ", "Điểm tác động", "Sự cố", "Bản đồ", "Cảnh báo"]
EN_HEADINGS = ["Overview", "Recommendation", "Key performance indicators (KPIs)", "KPIs against their targets",
               "Comparisons with baselines", "Interim monitoring", "Impact score", "Incidents", "Map", "Warnings"]


def test_the_page_is_vietnamese_by_default_with_every_section_and_the_decision(uav: ReportContent) -> None:
    parsed = outline(render_html(uav))
    assert parsed.starts[0] == ("html", {"lang": "vi"})
    assert [h for h in parsed.headings if h] == VI_HEADINGS
    text = " ".join(parsed.text)
    assert "Điều chỉnh kế hoạch" in text and "Modify the plan" not in text
    assert "Không đạt" in text and "Đạt" in text  # the gate table
    assert "Chưa có ngày nào đủ dữ liệu để tính." in text  # the no-data KPI's note


def test_english_when_asked(uav: ReportContent) -> None:
    parsed = outline(render_html(uav, "en", version=3, status="draft", provenance={"fingerprint": "sha256:ab12"}))
    assert parsed.starts[0] == ("html", {"lang": "en"})
    assert [h for h in parsed.headings if h] == [*EN_HEADINGS, "Provenance"]
    text = " ".join(parsed.text)
    assert "Modify the plan" in text and "Điều chỉnh kế hoạch" not in text
    assert "Draft" in text and "sha256:ab12" in text
    with pytest.raises(ValueError, match="'fr'"):
        render_html(uav, "fr")  # type: ignore[arg-type]


def test_values_from_users_are_escaped(uav: ReportContent) -> None:
    hostile = "Năng suất <script>alert('x')</script> & co"
    content = msgspec.structs.replace(uav, kpis=[msgspec.structs.replace(uav.kpis[0], name=hostile), *uav.kpis[1:]])
    page = render_html(content)
    parsed = outline(page)
    assert "script" not in {tag for tag, _ in parsed.starts}
    assert "Năng suất &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert hostile in " ".join(parsed.text)  # and reads back as the user wrote it


def test_four_inline_charts_and_nothing_fetched(uav: ReportContent) -> None:
    page = render_html(uav)
    assert render_html(uav) == page  # the same report, the same bytes (no dates, stable SVG ids)
    parsed = outline(page)
    assert [tag for tag, _ in parsed.starts].count("svg") == 4
    assert not {tag for tag, _ in parsed.starts} & {"script", "link", "img", "iframe", "object"}
    for _, attributes in parsed.starts:
        for name in ("src", "href", "xlink:href"):
            assert not str(attributes.get(name, "#")).startswith(("http", "//")), attributes
    ids = [attributes["id"] for _, attributes in parsed.starts if "id" in attributes]
    assert len(ids) == len(set(ids))  # four charts' clip paths and glyphs do not collide


def test_numbers_and_times_are_written_for_the_reader(uav: ReportContent) -> None:
    vi = " ".join(outline(render_html(uav)).text)
    en = " ".join(outline(render_html(uav, "en")).text)
    assert "4,21\u00a0ha/h" in vi and "4.21\u00a0ha/h" in en
    assert "88,6\u00a0%" in vi and "88.6%" in en  # a percent-unit KPI is already 0–100
    assert "[3,86;\u00a04,57]" in vi and "[3.86,\u00a04.57]" in en
    assert "87,0\u00a0%" in vi  # P(met) 0.87
    assert "<\u00a00,001" in vi  # p = 0.00021
    assert "21/11/2026 06:30 +07:00" in vi  # cut-off 2026-11-20T23:30Z in Can Tho
    assert "2026-11-21 06:30 +07:00" in en
    assert "09/11/2026 05:31 +07:00" in vi  # data from 2026-11-08T22:31Z


@pytest.mark.parametrize(("value", "language", "decimals", "expected"), [
    (1234.5, "vi", 1, "1.234,5"), (1234.5, "en", 1, "1,234.5"), (4.2134, "vi", None, "4,21"),
    (0.0123, "en", None, "0.0123"), (-2.5, "vi", 1, "\u22122,5"), (-0.01, "vi", 1, "0,0"), (None, "vi", None, "—"),
    (math.nan, "en", None, "—"), (math.inf, "vi", None, "∞"),
])
def test_number(value: float | None, language: str, decimals: int | None, expected: str) -> None:
    assert number(value, language, decimals) == expected  # type: ignore[arg-type]


def test_shares_intervals_and_times() -> None:
    assert percent(0.953, "vi") == "95,3\u00a0%" and percent(0.953, "en") == "95.3%"
    assert with_unit(95.3, "%", "vi") == "95,3\u00a0%" and with_unit(3.0, "", "en") == "3.00"
    assert interval(0.04, 9.06, "vi") == "[0,04;\u00a09,06]" and interval(None, None, "en") == "—"
    assert p_value(0.0421, "en") == "0.042" and p_value(0.0004, "en") == "<\u00a00.001"
    assert local_time(datetime(2026, 12, 31, 17, 5), "vi") == "01/01/2027 00:05 +07:00"  # naive is UTC


def test_the_camera_report_renders_without_tracks_score_or_comparisons(camera: ReportContent) -> None:
    parsed = outline(render_html(camera))
    assert [tag for tag, _ in parsed.starts].count("svg") == 4
    assert "Gia hạn thử nghiệm" in " ".join(parsed.text)
    assert render_pdf(camera).startswith(b"%PDF-")


def pdf_pages(data: bytes) -> list:
    from pypdf import PdfReader
    return list(PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_is_long_vietnamese_embedded_and_deterministic(uav: ReportContent) -> None:
    from pypdf import PdfReader

    data = render_pdf(uav, provenance={"fingerprint": "sha256:ab12", "code_version": "0.1.0"})
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Điều chỉnh kế hoạch" in text and "Độ phủ ruộng" in text and "sha256:ab12" in text
    assert "21/11/2026 06:30 +07:00" in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].get_object().values()}
    assert any("DejaVuSans" in f for f in fonts) and not any("Helvetica" in f for f in fonts), fonts
    assert reader.metadata.title and "SB-2026-0001" in reader.metadata.title
    assert reader.metadata.author == "Sở Khoa học và Công nghệ thành phố Cần Thơ"
    assert render_pdf(uav, provenance={"fingerprint": "sha256:ab12", "code_version": "0.1.0"}) == data


def test_the_english_pdf_speaks_english(uav: ReportContent) -> None:
    text = "\n".join(page.extract_text() for page in pdf_pages(render_pdf(uav, "en")))
    assert "Modify the plan" in text and "Điều chỉnh kế hoạch" not in text


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text())]


@pytest.mark.parametrize("name", sorted(CHARTS))
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_chart_says_no_data_when_there_is_none(uav: ReportContent, name: str, language: str) -> None:
    fig = CHARTS[name](empty(uav), language)  # type: ignore[arg-type]
    assert isinstance(fig, Figure) and fig.get_label() == PLACEHOLDER
    assert ("Không có dữ liệu" if language == "vi" else "No data") in texts(fig)
    assert to_svg(fig).startswith("<svg")


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_draws_the_real_data_as_svg_and_png(uav: ReportContent, name: str) -> None:
    fig = CHARTS[name](uav, "vi")
    assert fig.get_label() != PLACEHOLDER
    assert to_png(CHARTS[name](uav, "vi"), dpi=72).startswith(b"\x89PNG")
    assert to_svg(fig).startswith("<svg")


def test_the_forest_plot_gives_each_kpi_its_own_scale_target_and_colour(uav: ReportContent) -> None:
    fig = forest_plot(uav, "vi")
    rows = fig.axes
    assert len(rows) == len(uav.kpis)
    for ax, row in zip(rows, uav.kpis, strict=True):
        low, high = ax.get_xlim()
        assert low < row.target < high  # its own scale reaches its target…
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert [line.get_xdata()[0] for line in dashed] == [row.target]
        if row.estimate is not None:
            assert low < row.low and row.high < high  # …and its whole interval
            (bar,) = ax.collections
            assert to_hex(bar.get_colors()[0]) == VERDICT_COLOURS[row.verdict]
    assert [line.get_xdata()[0] for line in rows[2].get_lines() if line.get_linestyle() == ":"] == [10.0]
    assert "Chưa có dữ liệu" in texts(fig) and "Không có dữ liệu" in texts(fig)  # the no-data row says so


def test_the_score_histogram_marks_the_threshold_and_its_probability(uav: ReportContent) -> None:
    fig = score_histogram(uav, "vi")
    assert any(t.startswith("P(điểm ≥ 60) = 70,6") for t in texts(fig))
    (ax,) = fig.axes
    assert 60.0 in [line.get_xdata()[0] for line in ax.get_lines()]
    bars = [p for p in ax.patches if p.get_width() == 2.0]
    assert sum(p.get_height() for p in bars) == pytest.approx(100.0)  # shares of draws


def test_incidents_stack_by_severity_on_every_local_day(uav: ReportContent) -> None:
    severe = msgspec.structs.replace(uav, incidents=[*uav.incidents, IncidentDay(date(2026, 11, 19), [0, 0, 0, 1, 2])])
    (ax, *_) = incidents_over_time(severe, "en").axes
    days = (date(2026, 11, 19) - date(2026, 11, 9)).days + 1
    assert len(ax.patches) == 5 * days  # quiet days are on the axis too
    reds = [p for p in ax.patches if to_hex(p.get_facecolor()) == SEVERITY_COLOURS[4] and p.get_height() > 0]
    assert [(p.get_y(), p.get_height()) for p in reds] == [(1.0, 2.0)]  # severity 5 on top of the severity 4


def test_the_map_keeps_metres_square_and_draws_sites_and_tracks(uav: ReportContent, camera: ReportContent) -> None:
    fig = site_map(uav, "en")
    (ax,) = fig.axes
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(LAT + 0.00117)), rel=1e-4)
    assert {"Ruộng thử nghiệm Vị Tân", "Ruộng đối chứng", "N", "200 m"} <= set(texts(fig))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Trial site", "Control site", "MF-A30-0001", "MF-A30-0002"]
    sites_only = site_map(camera, "vi")
    assert "Nút giao 30/4 – 3/2" in texts(sites_only) and "B" in texts(sites_only)


@pytest.mark.parametrize(("width_m", "expected"), [(1000, 200), (800, 200), (8000, 2000), (90, 20), (2, 1)])
def test_the_scale_bar_is_a_round_length(width_m: float, expected: float) -> None:
    assert scale_length_m(width_m) == expected


def test_rendering_loads_no_database_web_broker_or_gui() -> None:
    """Transitively, not only in its own imports: a report can be drawn by a worker without a display."""
    import subprocess
    import sys

    code = ("import sys, sandbox.evaluation.rendering\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'litestar', 'paho', 'psycopg'}),"
            " 'matplotlib.pyplot' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "", "DISPLAY": ""})
    assert result.stdout.split() == ["[]", "False"]


def test_odd_values_are_drawn_not_raised(uav: ReportContent) -> None:
    """Infinite bounds (a one-sided interval), nan, a zero-width interval, a short severity list, rings of two
    points, a track of one point and one whose lon and lat disagree: the report still renders."""
    first, second, *_ = uav.kpis
    replace = msgspec.structs.replace
    odd = replace(
        uav, kpis=[replace(first, estimate=math.nan, low=-math.inf, high=math.inf),
                   replace(second, estimate=5.0, low=5.0, high=5.0, target=5.0, limit=5.0)],
        score=replace(uav.score, low=math.nan, high=math.nan, point=math.nan, probability=math.nan),
        incidents=[IncidentDay(date(2026, 11, 9), [1]), IncidentDay(date(2026, 11, 10), [0, 0, 0, 0, 9, 3])],
        sites=[SiteShape("empty", "trial", []), SiteShape("line", "control", [[[[LON, LAT], [LON + 0.001, LAT]]]])],
        tracks=[Track(uuid.UUID(int=3), "one point", [LON], [LAT]), Track(uuid.UUID(int=4), "bad", [LON, LON], [LAT])])
    for chart in CHARTS.values():
        assert to_svg(chart(odd, "en")).startswith("<svg")
    assert [tag for tag, _ in outline(render_html(odd)).starts].count("svg") == 4
    assert render_pdf(odd).startswith(b"%PDF-")
