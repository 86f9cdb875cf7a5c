"""Time as the trial sees it: stored in UTC, shown and scheduled in Asia/Ho_Chi_Minh.

Trial dates (start, end) and daily operating windows are local to Can Tho; a trial "has
started" when its start date has arrived there, not in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_OFFSET_S", "LOCAL_TZ", "local_today", "to_local", "utcnow"]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_OFFSET_S = 7 * 3600  # Asia/Ho_Chi_Minh is UTC+7 all year: no daylight saving since 1975


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


@overload
def to_local(moment: datetime) -> datetime: ...
@overload
def to_local(moment: None) -> None: ...
def to_local(moment: datetime | None) -> datetime | None:
    """Express an aware UTC moment in Can Tho's time (+07:00) for people to read."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)
