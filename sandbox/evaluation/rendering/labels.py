"""Every word the report's HTML, PDF and charts print, in Vietnamese and English, in one place.

Kept together so that the two languages never drift apart and a translator can review them at once.
Codes from the document (verdicts, gates, dimensions…) are looked up with `word`, which falls back to
the code itself when a new one appears before its translation does.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.i18n import Language, Text
from sandbox.trials.incident_kinds import IncidentCategory

__all__ = ["ALTERNATIVES", "BASELINES", "DECISIONS", "DIMENSIONS", "GATES", "LABELS", "LOOK_DECISIONS",
           "SCALES", "STATUSES", "VERDICTS", "WEIGHTINGS", "category", "label", "word"]

T = Text
LABELS: dict[str, Text] = {
    # the document
    "report": T("Báo cáo đánh giá thử nghiệm", "Trial evaluation report"),
    "author": T("Sở Khoa học và Công nghệ thành phố Cần Thơ", "Can Tho Department of Science and Technology"),
    "untitled": T("(chưa có tên)", "(untitled)"),
    "no_data": T("Không có dữ liệu", "No data"),
    "none": T("Không có", "None"),
    "page": T("Trang", "Page"),
    "yes": T("có", "yes"),
    "no": T("không", "no"),
    # sections
    "s_header": T("Thông tin chung", "Overview"),
    "s_recommendation": T("Khuyến nghị", "Recommendation"),
    "s_kpis": T("Chỉ số đánh giá (KPI)", "Key performance indicators (KPIs)"),
    "s_forest": T("KPI so với mục tiêu", "KPIs against their targets"),
    "s_comparisons": T("So sánh với đối chứng", "Comparisons with baselines"),
    "s_monitoring": T("Giám sát giữa kỳ", "Interim monitoring"),
    "s_score": T("Điểm tác động", "Impact score"),
    "s_incidents": T("Sự cố", "Incidents"),
    "s_map": T("Bản đồ", "Map"),
    "s_warnings": T("Cảnh báo", "Warnings"),
    "s_provenance": T("Nguồn gốc báo cáo", "Provenance"),
    # header
    "trial": T("Mã thử nghiệm", "Trial"),
    "title": T("Tên thử nghiệm", "Title"),
    "organisation": T("Tổ chức", "Organisation"),
    "product": T("Sản phẩm", "Product"),
    "kind": T("Loại sản phẩm", "Kind of product"),
    "period": T("Thời gian thử nghiệm", "Trial period"),
    "plan_version": T("Phiên bản kế hoạch", "Plan version"),
    "until": T("Dữ liệu tính đến", "Data cut-off"),
    "data_range": T("Dữ liệu từ – đến", "Data from – to"),
    "sample": T("Cỡ mẫu đạt / kế hoạch", "Sample reached / planned"),
    "version": T("Phiên bản báo cáo", "Report version"),
    "status": T("Trạng thái", "Status"),
    "devices": T("Thiết bị", "Devices"),
    "times_note": T("Giờ Cần Thơ (Asia/Ho_Chi_Minh, UTC+07:00).", "Can Tho time (Asia/Ho_Chi_Minh, UTC+07:00)."),
    # recommendation
    "decision": T("Khuyến nghị", "Recommendation"),
    "reasons": T("Lý do", "Reasons"),
    "gates": T("Các điều kiện đã kiểm tra", "Gates checked"),
    "gate": T("Điều kiện", "Gate"),
    "result": T("Kết quả", "Result"),
    "details": T("Chi tiết", "Details"),
    "passed": T("Đạt", "Passed"),
    "failed": T("Không đạt", "Failed"),
    # KPIs
    "kpi": T("KPI", "KPI"),
    "metric": T("Chỉ số", "Metric"),
    "dimension": T("Nhóm", "Dimension"),
    "estimate": T("Ước lượng", "Estimate"),
    "ci": T("Khoảng tin cậy", "Confidence interval"),
    "method": T("Phương pháp", "Method"),
    "target": T("Mục tiêu", "Target"),
    "limit": T("Giới hạn", "Limit"),
    "verdict": T("Kết luận", "Verdict"),
    "probability_met": T("P(đạt)", "P(met)"),
    "utility": T("Độ hữu ích", "Utility"),
    "higher_better": T("càng cao càng tốt", "higher is better"),
    "lower_better": T("càng thấp càng tốt", "lower is better"),
    "better_right": T("tốt hơn →", "better →"),
    "better_left": T("← tốt hơn", "← better"),
    "forest_note": T("Mỗi KPI một thang đo riêng, theo đơn vị của nó. Chấm: ước lượng; vạch ngang: khoảng tin cậy; "
                     "vạch đứng nét đứt: mục tiêu; vạch đỏ chấm: giới hạn an toàn.",
                     "Each KPI on its own scale, in its own unit. Dot: estimate; bar: confidence interval; "
                     "dashed line: target; red dotted line: safety limit."),
    # comparisons
    "baseline": T("Đối chứng", "Baseline"),
    "effect": T("Hiệu ứng", "Effect"),
    "p": T("p", "p"),
    "p_holm": T("p hiệu chỉnh (Holm)", "p adjusted (Holm)"),
    "n": T("n (thử / đối chứng)", "n (trial / reference)"),
    "reference_value": T("Giá trị đối chứng", "Reference value"),
    "note": T("Ghi chú", "Note"),
    # monitoring
    "look": T("Lần xem xét", "Look"),
    "report_version": T("Báo cáo", "Report"),
    "this_report": T("báo cáo này", "this report"),
    "information": T("Tỷ lệ thông tin", "Information fraction"),
    "z": T("z", "z"),
    "efficacy_bound": T("Ngưỡng hiệu quả", "Efficacy bound"),
    "futility_bound": T("Ngưỡng vô ích", "Futility bound"),
    "spending": T("Hàm chi tiêu α", "α spending"),
    "alpha": T("α", "α"),
    "look_decision": T("Quyết định", "Decision"),
    "primary_kpi": T("KPI chính", "Primary KPI"),
    # score
    "point": T("Điểm tại ước lượng", "Score at the estimates"),
    "mean": T("Điểm trung bình (Monte Carlo)", "Mean score (Monte Carlo)"),
    "interval95": T("Khoảng 95 %", "95% interval"),
    "threshold": T("Ngưỡng triển khai", "Rollout threshold"),
    "p_score": T("P(điểm ≥ ngưỡng)", "P(score ≥ threshold)"),
    "score": T("Điểm", "Score"),
    "weight": T("Trọng số", "Weight"),
    "weighting": T("Cách xác định trọng số", "Weighting"),
    "cr": T("Tỷ số nhất quán (CR)", "Consistency ratio (CR)"),
    "left_out": T("Không tính (thiếu dữ liệu)", "Left out (no data)"),
    "draws": T("Số lần mô phỏng", "Draws"),
    "share_draws": T("Tỷ lệ lần mô phỏng (%)", "Share of draws (%)"),
    # incidents
    "category": T("Loại sự cố", "Category"),
    "count": T("Số lượng", "Count"),
    "severity": T("Mức", "Severity"),
    "incidents_per_day": T("Số sự cố mỗi ngày", "Incidents per day"),
    "no_incidents": T("Không có sự cố", "No incidents"),
    # map
    "trial_site": T("Khu thử nghiệm", "Trial site"),
    "control_site": T("Khu đối chứng", "Control site"),
    "north": T("B", "N"),
}

DECISIONS = {
    "roll_out": T("Triển khai rộng", "Roll out"),
    "extend": T("Gia hạn thử nghiệm", "Extend the trial"),
    "modify": T("Điều chỉnh kế hoạch", "Modify the plan"),
    "stop": T("Dừng thử nghiệm", "Stop the trial"),
}
VERDICTS = {
    "met": T("Đạt", "Met"),
    "not_met": T("Không đạt", "Not met"),
    "inconclusive": T("Chưa kết luận", "Inconclusive"),
    "no_data": T("Chưa có dữ liệu", "No data"),
}
GATES = {
    "severe_incidents": T("Sự cố nghiêm trọng", "Severe incidents"),
    "safety_limits": T("Giới hạn an toàn", "Safety limits"),
    "effectiveness": T("Hiệu quả", "Effectiveness"),
    "evidence": T("Đủ bằng chứng", "Enough evidence"),
    "score": T("Điểm tác động", "Impact score"),
}
DIMENSIONS = {
    "safety": T("An toàn", "Safety"),
    "effectiveness": T("Hiệu quả", "Effectiveness"),
    "reliability": T("Độ tin cậy", "Reliability"),
    "compliance": T("Tuân thủ", "Compliance"),
    "acceptance": T("Chấp nhận xã hội", "Acceptance"),
}
BASELINES = {
    "fixed": T("Giá trị cố định", "Fixed value"),
    "control": T("Khu / nhóm đối chứng", "Control site or group"),
    "pre_period": T("Giai đoạn trước", "Pre-period"),
    "control_and_pre_period": T("Đối chứng và giai đoạn trước (DiD)", "Control and pre-period (DiD)"),
}
SCALES = {"difference": T("hiệu", "difference"), "ratio": T("tỷ số", "ratio")}
ALTERNATIVES = {
    "greater": T("một phía, lớn hơn", "one-sided, greater"),
    "less": T("một phía, nhỏ hơn", "one-sided, less"),
    "two-sided": T("hai phía", "two-sided"),
    "two_sided": T("hai phía", "two-sided"),
}
LOOK_DECISIONS = {
    "continue": T("Tiếp tục", "Continue"),
    "stop_for_efficacy": T("Dừng sớm: hiệu quả", "Stop early: efficacy"),
    "stop_for_futility": T("Dừng sớm: vô ích", "Stop early: futility"),
    "final": T("Phân tích cuối", "Final analysis"),
    "not_planned": T("Không có kế hoạch xem xét giữa kỳ", "No interim looks planned"),
}
WEIGHTINGS = {
    "plan": T("Theo kế hoạch", "From the plan"),
    "direct": T("Trọng số trực tiếp", "Direct weights"),
    "ahp": T("So sánh cặp AHP", "AHP pairwise comparison"),
}
STATUSES = {
    "draft": T("Bản nháp", "Draft"),
    "returned": T("Đã trả lại", "Returned"),
    "generated": T("Đã tạo", "Generated"),
    "under_review": T("Đang thẩm định", "Under review"),
    "reviewed": T("Đã thẩm định", "Reviewed"),
    "signed": T("Đã ký", "Signed"),
    "superseded": T("Đã được thay thế", "Superseded"),
}


def label(key: str, language: Language) -> str:
    return LABELS[key].in_(language)


def word(vocabulary: Mapping[str, Text], code: str | None, language: Language) -> str:
    """The code's word in the language; the code itself if it has none yet."""
    if code is None:
        return ""
    found = vocabulary.get(code)
    return found.in_(language) if found is not None else code


def category(code: str, language: Language) -> str:
    """An incident category's name (the registry's own labels)."""
    try:
        return IncidentCategory(code).label.in_(language)
    except ValueError:
        return code
