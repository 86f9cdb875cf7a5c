"""Complete sandbox plans for the three kinds of product, as a startup would write them.

The demo uses them, and so do the tests, which need plans that pass every check.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sims.places import (
    CAMPUS_NINH_KIEU,
    INTERSECTION_NINH_KIEU,
    INTERSECTION_NINH_KIEU_CONTROL,
    RICE_FIELDS_VI_TAN,
    RICE_FIELDS_VI_TAN_CONTROL,
)

__all__ = ["amr_plan", "camera_plan", "uav_plan"]

_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat"]


def _common(start: date, end: date, insurer: str, coverage_vnd: int) -> dict[str, Any]:
    return {
        "schedule": {"start_date": start.isoformat(), "end_date": end.isoformat(), "operating_windows": []},
        "insurance": {
            "insurer": insurer,
            "policy_number": f"TNDS-{start.year}-{coverage_vnd % 100000:05d}",
            "coverage_vnd": coverage_vnd,
            "valid_from": (start - timedelta(days=7)).isoformat(),
            "valid_until": (end + timedelta(days=30)).isoformat(),
        },
    }


def uav_plan(start: date, end: date) -> dict[str, Any]:
    plan = _common(start, end, "Bảo hiểm Bảo Việt Cần Thơ", 2_000_000_000)
    plan["schedule"]["operating_windows"] = [
        {"days": _WEEKDAYS, "start": "05:30", "end": "09:30"},
        {"days": _WEEKDAYS, "start": "15:30", "end": "18:00"},
    ]
    plan.update(
        title="Phun thuốc bảo vệ thực vật bằng UAV trên ruộng lúa Vị Tân",
        problem="Phun thuốc thủ công tốn công, phơi nhiễm hoá chất cho người phun và phun không đều.",
        objectives=[
            "Đạt năng suất phun ít nhất 4 ha/giờ với độ phủ ruộng trên 95%",
            "Giảm lượng thuốc dưới 20 L/ha so với phun thủ công",
            "Không có sự cố ra ngoài vùng địa lý cho phép",
        ],
        sites=[
            {
                "name": "Ruộng lúa Vị Tân – khu A",
                "ward": "Phường Vị Tân",
                "geofence": RICE_FIELDS_VI_TAN,
                "population_density": "sparsely_populated",
                "airspace": {"classification": "uncontrolled", "ceiling_m": 150, "notes": "vùng nông thôn, dưới 150 m"},
            },
            {
                "name": "Ruộng lúa Vị Tân – khu đối chứng",
                "ward": "Phường Vị Tân",
                "geofence": RICE_FIELDS_VI_TAN_CONTROL,
                "population_density": "sparsely_populated",
                "airspace": {"classification": "uncontrolled", "ceiling_m": 150},
                "role": "control",
            },
        ],
        envelope={
            "kind": "agri_uav",
            "max_height_agl_m": 30,
            "max_ground_speed_mps": 7,
            "visual_line_of_sight": True,
            "max_simultaneous_aircraft": 2,
        },
        kpis=[
            {"code": "hectares_per_hour", "name": "Năng suất phun", "metric": "hectares_per_hour", "unit": "ha/h",
             "dimension": "effectiveness", "direction": "higher_is_better", "target": 4.0, "weight": 3,
             "baseline": {"kind": "control", "description": "phun thủ công trên khu đối chứng"},
             "confirmatory": True},
            {"code": "field_coverage", "name": "Độ phủ ruộng", "metric": "field_coverage_pct", "unit": "%",
             "dimension": "effectiveness", "direction": "higher_is_better", "target": 95, "weight": 2},
            {"code": "application_rate", "name": "Lượng thuốc trên mỗi ha", "metric": "application_rate_l_per_ha",
             "unit": "L/ha", "dimension": "effectiveness", "direction": "lower_is_better", "target": 25, "weight": 2,
             "baseline": {"kind": "fixed", "value": 400, "description": "định mức phun thủ công bằng bình đeo vai"},
             "confirmatory": True},
            {"code": "geofence_breaches", "name": "Vi phạm vùng địa lý / 100 giờ bay",
             "metric": "geofence_breaches_per_100_flight_hours", "unit": "/100 h", "dimension": "safety",
             "direction": "lower_is_better", "target": 0, "limit": 2, "weight": 3},
        ],
        safeguards=[
            "Phi công có chứng chỉ điều khiển UAV giám sát bằng mắt suốt chuyến bay",
            "Cảnh báo người dân bằng loa và biển báo 30 phút trước khi phun",
            "Không phun khi gió trên 5 m/s",
        ],
        consent={
            "approach": "Họp thôn, ký xác nhận của các hộ có ruộng trong và cạnh khu phun; có thể rút lui bất kỳ lúc nào.",
            "affected_groups": ["hộ nông dân có ruộng", "người đi đường nội đồng"],
        },
        incident_response="Dừng bay, hạ cánh tại chỗ an toàn, báo Sở KH&CN trong 2 giờ, lập biên bản với chính quyền phường.",
        exit_plan="Kết thúc khi hết hạn hoặc khi có sự cố mức 4–5; thu hồi thiết bị, bàn giao dữ liệu và báo cáo cuối kỳ.",
    )
    return plan


def camera_plan(start: date, end: date, alerts_from: date | None = None) -> dict[str, Any]:
    """The camera trial; with ``alerts_from`` (the day its alerts start) the violations it should deter are
    compared with the control junction before and after: a difference-in-differences."""
    plan = _common(start, end, "Bảo hiểm PVI Cần Thơ", 500_000_000)
    plan["schedule"]["operating_windows"] = [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
    ]
    plan.update(
        title="Camera AI phát hiện vi phạm giao thông tại nút giao 30/4 – 3/2, Ninh Kiều",
        problem="Vi phạm đèn đỏ và không đội mũ bảo hiểm tại nút giao đông xe máy chưa được ghi nhận đầy đủ.",
        objectives=["Phát hiện vi phạm đèn đỏ với độ chính xác trên 90%", "Hoạt động liên tục trên 99% thời gian"],
        sites=[
            {"name": "Nút giao 30 Tháng 4 – 3 Tháng 2", "ward": "Phường Ninh Kiều",
             "geofence": INTERSECTION_NINH_KIEU, "population_density": "gathering_of_people"},
            {"name": "Nút giao đối chứng trên đường 3 Tháng 2 (camera không cảnh báo)", "ward": "Phường Ninh Kiều",
             "geofence": INTERSECTION_NINH_KIEU_CONTROL, "population_density": "gathering_of_people",
             "role": "control"},
        ],
        envelope={"kind": "ai_camera", "privacy_masking_required": True, "retention_days": 30},
        kpis=[
            {"code": "precision", "name": "Độ chính xác (precision)", "metric": "detection_precision", "unit": "%",
             "dimension": "effectiveness", "direction": "higher_is_better", "target": 90, "weight": 3,
             "confirmatory": True},
            {"code": "recall", "name": "Độ nhạy (recall)", "metric": "detection_recall", "unit": "%",
             "dimension": "effectiveness", "direction": "higher_is_better", "target": 85, "weight": 2},
            {"code": "uptime", "name": "Thời gian hoạt động", "metric": "uptime_pct", "unit": "%",
             "dimension": "reliability", "direction": "higher_is_better", "target": 99, "weight": 2},
            {"code": "privacy_breaches", "name": "Sự cố lộ hình ảnh cá nhân", "metric": "privacy_breaches", "unit": "",
             "dimension": "compliance", "direction": "lower_is_better", "target": 0, "limit": 0, "weight": 3},
            {"code": "violations", "name": "Vi phạm trên 1000 lượt phương tiện",
             "metric": "violations_per_1000_road_users", "unit": "/1000", "dimension": "effectiveness",
             "direction": "lower_is_better", "target": 60, "weight": 1,
             "baseline": {"kind": "control", "description": "nút giao đối chứng, trước và sau khi bật cảnh báo",
                          **({"pre_period_end": alerts_from.isoformat()} if alerts_from else {})}},
        ],
        safeguards=["Làm mờ khuôn mặt và biển số trước khi lưu", "Chỉ cán bộ được phân quyền mới xem hình ảnh gốc"],
        consent={
            "approach": "Biển thông báo có camera AI tại bốn hướng nút giao; thông tin công khai trên cổng của Sở.",
            "affected_groups": ["người tham gia giao thông"],
        },
        incident_response="Tắt ghi hình khi phát hiện lộ dữ liệu, báo Sở KH&CN và Công an phường trong 24 giờ.",
        exit_plan="Tháo camera, xoá dữ liệu thô sau thời hạn lưu, bàn giao dữ liệu đã ẩn danh cho đánh giá.",
    )
    return plan


def amr_plan(start: date, end: date) -> dict[str, Any]:
    plan = _common(start, end, "Bảo hiểm Bảo Minh Cần Thơ", 1_000_000_000)
    plan["schedule"]["operating_windows"] = [{"days": _WEEKDAYS[:5], "start": "07:00", "end": "17:00"}]
    plan.update(
        title="Robot tự hành giao hàng nội bộ trong khuôn viên trường, Ninh Kiều",
        problem="Giao tài liệu và hàng nhỏ giữa các toà nhà tốn nhiều giờ công của nhân viên.",
        objectives=["Hoàn thành trên 95% chuyến giao", "Không va chạm với người đi bộ"],
        sites=[
            {"name": "Khuôn viên trường – Ninh Kiều", "ward": "Phường Ninh Kiều", "geofence": CAMPUS_NINH_KIEU,
             "population_density": "populated",
             # The robots' SLAM map: origin near the campus centre, x east and y north.
             "map_frame": {"map_id": "campus", "origin_lat": 10.0312, "origin_lon": 105.7683, "rotation_deg": 0}}
        ],
        envelope={"kind": "amr", "max_speed_mps": 1.5, "allowed_zones": ["Khuôn viên trường – Ninh Kiều"],
                  "max_payload_kg": 20},
        kpis=[
            {"code": "mission_success", "name": "Tỷ lệ chuyến giao thành công", "metric": "mission_success_rate",
             "unit": "%", "dimension": "effectiveness", "direction": "higher_is_better", "target": 95, "weight": 3,
             "confirmatory": True},
            {"code": "interventions", "name": "Can thiệp / 100 km", "metric": "interventions_per_100_km",
             "unit": "/100 km", "dimension": "reliability", "direction": "lower_is_better", "target": 5, "weight": 2},
            {"code": "collisions", "name": "Va chạm", "metric": "collisions", "unit": "", "dimension": "safety",
             "direction": "lower_is_better", "target": 0, "limit": 0, "weight": 3},
            {"code": "acceptance", "name": "Tỷ lệ người dùng chấp nhận", "metric": "acceptance_share", "unit": "%",
             "dimension": "acceptance", "direction": "higher_is_better", "target": 70, "weight": 1},
        ],
        safeguards=["Tốc độ tối đa 1,5 m/s trên lối đi chung", "Nút dừng khẩn cấp trên robot và điều khiển từ xa"],
        consent={"approach": "Thông báo cho sinh viên và cán bộ; khảo sát ý kiến hằng tháng có đồng ý tham gia.",
                 "affected_groups": ["sinh viên", "cán bộ, giảng viên"]},
        incident_response="Dừng robot, khoanh vùng, báo Sở KH&CN trong 2 giờ, đánh giá nguyên nhân trước khi chạy lại.",
        exit_plan="Thu hồi robot, gỡ trạm sạc, báo cáo kết quả cho nhà trường và Sở KH&CN.",
    )
    return plan
