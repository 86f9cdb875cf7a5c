"""Checks on a sandbox plan: consistency whenever it is saved, completeness when it is submitted.

``consistency_problems`` finds what is wrong in what was written (an invalid geofence, an end
before the start, an envelope for another kind of product): such a plan is not saved (422).
``missing_parts`` finds what a reviewer would still need: a draft may lack it, a submission not.
"""

from __future__ import annotations

import ast
import calendar
from datetime import date

from sandbox.errors import FieldProblem
from sandbox.i18n import Text
from sandbox.trials.geofence import geofence_problems
from sandbox.trials.kinds import ProductKind
from sandbox.trials.plan import AmrEnvelope, PlanContent, UavEnvelope
from sandbox.trials.preconditions import Reason

__all__ = ["add_months", "consistency_problems", "missing_parts"]


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _schedule_problems(content: PlanContent, max_trial_months: int) -> list[FieldProblem]:
    schedule = content.schedule
    if schedule is None:
        return []
    problems = []
    if schedule.end_date <= schedule.start_date:
        problems.append(
            FieldProblem(
                "/schedule/end_date",
                Text(
                    f"ngày kết thúc {schedule.end_date} phải sau ngày bắt đầu {schedule.start_date}",
                    f"the end date {schedule.end_date} must be after the start date {schedule.start_date}",
                ),
            )
        )
    elif schedule.end_date > (latest := add_months(schedule.start_date, max_trial_months)):
        problems.append(
            FieldProblem(
                "/schedule/end_date",
                Text(
                    f"thử nghiệm kéo dài tối đa {max_trial_months} tháng: kết thúc muộn nhất {latest}",
                    f"a trial lasts at most {max_trial_months} months: it must end by {latest}",
                ),
                {"latest_end_date": str(latest)},
            )
        )
    for index, window in enumerate(schedule.operating_windows):
        pointer = f"/schedule/operating_windows/{index}"
        if window.start == window.end:
            problems.append(
                FieldProblem(
                    f"{pointer}/end",
                    Text("khung giờ có giờ bắt đầu trùng giờ kết thúc", "the window starts when it ends"),
                )
            )
        if len(set(window.days)) != len(window.days):
            problems.append(FieldProblem(f"{pointer}/days", Text("ngày bị lặp", "a day is listed twice")))
    return problems


def _envelope_problems(content: PlanContent, kind: ProductKind) -> list[FieldProblem]:
    envelope = content.envelope
    if envelope is None:
        return []
    tag = type(envelope).__struct_config__.tag
    if tag != kind:
        return [
            FieldProblem(
                "/envelope/kind",
                Text(
                    f"giới hạn vận hành dành cho '{tag}' nhưng sản phẩm thuộc loại '{kind}'",
                    f"the operating envelope is for '{tag}' but the product is of kind '{kind}'",
                ),
            )
        ]
    problems = []
    if isinstance(envelope, UavEnvelope):
        for index, site in enumerate(content.sites):
            if site.airspace and envelope.max_height_agl_m > site.airspace.ceiling_m:
                problems.append(
                    FieldProblem(
                        "/envelope/max_height_agl_m",
                        Text(
                            f"độ cao tối đa {envelope.max_height_agl_m} m vượt trần vùng trời "
                            f"{site.airspace.ceiling_m} m của khu vực '{site.name}'",
                            f"the maximum height {envelope.max_height_agl_m} m is above the "
                            f"{site.airspace.ceiling_m} m airspace ceiling of site '{site.name}'",
                        ),
                        {"site": index},
                    )
                )
    if isinstance(envelope, AmrEnvelope):
        roles = {site.name: site.role for site in content.sites}
        for index, zone in enumerate(envelope.allowed_zones):
            if zone not in roles:
                problems.append(
                    FieldProblem(
                        f"/envelope/allowed_zones/{index}",
                        Text(
                            f"khu vực '{zone}' không có trong danh sách địa điểm của kế hoạch",
                            f"zone '{zone}' is not one of the plan's sites",
                        ),
                    )
                )
            elif roles[zone] == "control":
                problems.append(
                    FieldProblem(
                        f"/envelope/allowed_zones/{index}",
                        Text(
                            f"khu vực '{zone}' là địa điểm đối chứng: sản phẩm không hoạt động ở đó",
                            f"zone '{zone}' is a control site: the product does not run there",
                        ),
                    )
                )
    return problems


def formula_problem(formula: str) -> Text | None:
    """What is wrong with a KPI formula's form (numbers, metric names, + − × ÷ and parentheses); the names
    themselves are the evaluation library's to check."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        return Text(f"công thức sai cú pháp ở cột {exc.offset}", f"the formula does not parse (column {exc.offset})")
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div,
               ast.USub, ast.UAdd)
    for node in ast.walk(tree):
        number = isinstance(node, ast.Constant) and isinstance(node.value, int | float)
        if not (number or isinstance(node, allowed)):
            return Text(f"công thức chỉ gồm số, tên chỉ số, + − × ÷ và ngoặc; không được dùng {type(node).__name__}",
                        f"a formula has numbers, metric names, + − × ÷ and parentheses only; not "
                        f"{type(node).__name__}")
    return None


def _kpi_problems(content: PlanContent) -> list[FieldProblem]:
    problems = []
    seen: set[str] = set()
    for index, kpi in enumerate(content.kpis):
        if kpi.code in seen:
            problems.append(
                FieldProblem(f"/kpis/{index}/code", Text(f"mã KPI '{kpi.code}' bị trùng", f"KPI code '{kpi.code}' is repeated"))
            )
        seen.add(kpi.code)
        if (kpi.metric is None) == (kpi.formula is None):
            problems.append(FieldProblem(f"/kpis/{index}/metric", Text(
                "KPI cần đúng một trong hai: một chỉ số của thư viện (metric) hoặc một công thức (formula)",
                "a KPI needs exactly one of a library metric (metric) or a formula over metrics (formula)")))
        elif kpi.formula is not None and (problem := formula_problem(kpi.formula)) is not None:
            problems.append(FieldProblem(f"/kpis/{index}/formula", problem))
        if kpi.baseline and kpi.baseline.kind == "fixed" and kpi.baseline.value is None:
            problems.append(
                FieldProblem(
                    f"/kpis/{index}/baseline/value",
                    Text("mốc so sánh cố định cần có giá trị", "a fixed baseline needs a value"),
                )
            )
        schedule = content.schedule
        cut = kpi.baseline.pre_period_end if kpi.baseline else None
        if cut is not None and schedule is not None and not schedule.start_date < cut <= schedule.end_date:
            problems.append(
                FieldProblem(
                    f"/kpis/{index}/baseline/pre_period_end",
                    Text(f"ngày kết thúc giai đoạn trước ({cut}) phải nằm sau ngày bắt đầu và không sau ngày kết thúc "
                         "thử nghiệm",
                         f"the pre-period's end ({cut}) must fall after the trial's start and not after its end"),
                )
            )
    return problems


def consistency_problems(content: PlanContent, kind: ProductKind, max_trial_months: int) -> list[FieldProblem]:
    """Everything wrong in what the plan says; empty when it may be saved."""
    problems: list[FieldProblem] = []
    names: set[str] = set()
    for index, site in enumerate(content.sites):
        problems += geofence_problems(site.geofence, f"/sites/{index}/geofence")
        if site.name.casefold() in names:
            problems.append(
                FieldProblem(f"/sites/{index}/name", Text(f"tên địa điểm '{site.name}' bị trùng", f"site name '{site.name}' is repeated"))
            )
        names.add(site.name.casefold())
    if content.sites and all(site.role == "control" for site in content.sites):
        problems.append(
            FieldProblem(
                "/sites",
                Text(
                    "cần ít nhất một địa điểm thử nghiệm (role 'trial'): mọi địa điểm đều là đối chứng",
                    "at least one site must be where the product is tried (role 'trial'): every site is a control",
                ),
            )
        )
    problems += _schedule_problems(content, max_trial_months)
    problems += _envelope_problems(content, kind)
    problems += _kpi_problems(content)
    insurance = content.insurance
    if insurance and insurance.valid_until < insurance.valid_from:
        problems.append(
            FieldProblem(
                "/insurance/valid_until",
                Text("bảo hiểm hết hạn trước khi có hiệu lực", "the insurance ends before it starts"),
            )
        )
    return problems


_REQUIRED: list[tuple[str, Text]] = [
    ("/title", Text("tên thử nghiệm", "a title")),
    ("/problem", Text("vấn đề cần giải quyết", "the problem it addresses")),
    ("/objectives", Text("ít nhất một mục tiêu", "at least one objective")),
    ("/sites", Text("ít nhất một địa điểm có vùng địa lý (geofence)", "at least one site with a geofence")),
    ("/schedule", Text("lịch thử nghiệm", "a schedule")),
    ("/schedule/operating_windows", Text("ít nhất một khung giờ vận hành", "at least one daily operating window")),
    ("/envelope", Text("giới hạn vận hành", "an operating envelope")),
    ("/kpis", Text("ít nhất một chỉ số KPI", "at least one KPI")),
    ("/safeguards", Text("ít nhất một biện pháp bảo đảm an toàn", "at least one safeguard")),
    ("/insurance", Text("bảo hiểm trách nhiệm", "liability insurance")),
    ("/consent", Text("cách lấy sự đồng ý của người bị ảnh hưởng", "a consent approach for the people affected")),
    ("/incident_response", Text("kế hoạch ứng phó sự cố", "an incident response plan")),
    ("/exit_plan", Text("kế hoạch kết thúc", "an exit plan")),
]


def _present(content: PlanContent, pointer: str) -> bool:
    if pointer == "/schedule/operating_windows":
        return content.schedule is None or bool(content.schedule.operating_windows)
    value = getattr(content, pointer.lstrip("/"))
    return bool(value) if isinstance(value, list) else value is not None


def missing_parts(content: PlanContent) -> list[Reason]:
    """What a complete plan still lacks; empty when it may be submitted."""
    reasons = [
        Reason("missing", Text("thiếu ", "missing ") + what, {"field": pointer})
        for pointer, what in _REQUIRED
        if not _present(content, pointer)
    ]
    if content.kpis and sum(kpi.weight for kpi in content.kpis) <= 0:
        reasons.append(
            Reason("kpi_weights_zero", Text("tổng trọng số KPI phải lớn hơn 0", "the KPI weights must not all be zero"),
                   {"field": "/kpis"})
        )
    if content.insurance and content.schedule:
        insurance, schedule = content.insurance, content.schedule
        if insurance.valid_from > schedule.start_date or insurance.valid_until < schedule.end_date:
            reasons.append(
                Reason(
                    "insurance_does_not_cover_schedule",
                    Text(
                        f"bảo hiểm ({insurance.valid_from} – {insurance.valid_until}) không bao trùm thời gian "
                        f"thử nghiệm ({schedule.start_date} – {schedule.end_date})",
                        f"the insurance ({insurance.valid_from} – {insurance.valid_until}) does not cover the "
                        f"trial ({schedule.start_date} – {schedule.end_date})",
                    ),
                    {"field": "/insurance"},
                )
            )
    return reasons
