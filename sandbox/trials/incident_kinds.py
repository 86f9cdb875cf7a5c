"""What kinds of incident there are, how serious each is by default, and how soon it must be reported."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sandbox.i18n import Text

__all__ = ["SUSPENSION_REVIEW_SEVERITY", "IncidentCategory", "IncidentSource", "IncidentStatus", "report_deadline"]

# domain.md: "A severity 4–5 incident puts the trial on the path to suspension at once."
SUSPENSION_REVIEW_SEVERITY = 4


class IncidentCategory(StrEnum):
    GEOFENCE_BREACH = "geofence_breach"
    HEIGHT_EXCEEDED = "height_exceeded"
    SPEED_EXCEEDED = "speed_exceeded"
    OUTSIDE_WINDOW = "outside_window"
    LINK_LOST = "link_lost"
    DEVICE_SILENT = "device_silent"
    BATTERY_CRITICAL = "battery_critical"
    COLLISION = "collision"
    NEAR_MISS = "near_miss"
    EMERGENCY_STOP = "emergency_stop"
    FAILSAFE = "failsafe"
    PRIVACY_BREACH = "privacy_breach"
    INJURY = "injury"
    PROPERTY_DAMAGE = "property_damage"
    DEVICE_ERROR = "device_error"
    OTHER = "other"

    @property
    def label(self) -> Text:
        return _LABELS[self]


class IncidentSource(StrEnum):
    RULE = "rule"  # a live envelope rule on the telemetry stream
    DEVICE = "device"  # an event the device reported (collision, emergency stop…)
    PERSON = "person"  # reported by someone through the API


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # seen by the department, being handled
    CLOSED = "closed"  # resolved, with a resolution


_LABELS = {
    IncidentCategory.GEOFENCE_BREACH: Text("Ra ngoài vùng địa lý cho phép", "Geofence breach"),
    IncidentCategory.HEIGHT_EXCEEDED: Text("Vượt độ cao cho phép", "Height over the limit"),
    IncidentCategory.SPEED_EXCEEDED: Text("Vượt tốc độ cho phép", "Speed over the limit"),
    IncidentCategory.OUTSIDE_WINDOW: Text("Vận hành ngoài khung giờ", "Operating outside the window"),
    IncidentCategory.LINK_LOST: Text("Mất kết nối", "Link lost"),
    IncidentCategory.DEVICE_SILENT: Text("Thiết bị im lặng", "Device silent"),
    IncidentCategory.BATTERY_CRITICAL: Text("Pin ở mức nguy hiểm", "Battery critical"),
    IncidentCategory.COLLISION: Text("Va chạm", "Collision"),
    IncidentCategory.NEAR_MISS: Text("Suýt va chạm", "Near miss"),
    IncidentCategory.EMERGENCY_STOP: Text("Dừng khẩn cấp", "Emergency stop"),
    IncidentCategory.FAILSAFE: Text("Kích hoạt chế độ an toàn", "Failsafe"),
    IncidentCategory.PRIVACY_BREACH: Text("Lộ dữ liệu cá nhân", "Privacy breach"),
    IncidentCategory.INJURY: Text("Thương tích", "Injury"),
    IncidentCategory.PROPERTY_DAMAGE: Text("Thiệt hại tài sản", "Property damage"),
    IncidentCategory.DEVICE_ERROR: Text("Lỗi thiết bị", "Device error"),
    IncidentCategory.OTHER: Text("Khác", "Other"),
}

# How long the operator has to file its written report, by severity (1 = negligible … 5 = catastrophic).
_REPORT_WITHIN = {5: timedelta(hours=2), 4: timedelta(hours=2), 3: timedelta(hours=24), 2: timedelta(days=3),
                  1: timedelta(days=7)}


def report_deadline(severity: int) -> timedelta:
    return _REPORT_WITHIN[severity]
