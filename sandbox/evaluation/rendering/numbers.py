"""Numbers, shares and times written the way a reader of each language expects them.

Vietnamese writes ``1.234,5`` and ``95,3 %`` (decimal comma, a dot between thousands, a space before the
percent sign); English writes ``1,234.5`` and ``95.3%``. An interval's bounds are separated by ``;`` in
Vietnamese, where the comma is taken. Times are stored in UTC and shown in Can Tho's time with the offset
(``21/11/2026 06:30 +07:00``), so a reader abroad knows which hour it was. Missing values are a dash,
never ``None`` or ``nan``.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sandbox.clock import to_local
from sandbox.i18n import Language

__all__ = ["DASH", "day_label", "decimals_for", "interval", "local_date", "local_time", "number", "p_value",
           "percent", "with_unit"]

DASH = "—"
MINUS = "\u2212"
NBSP = "\u00a0"
_VI_SEPARATORS = str.maketrans({",": ".", ".": ","})
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def decimals_for(value: float) -> int:
    """About three significant digits: 412 · 95.3 · 4.21 · 0.0123 (at most six decimals)."""
    size = abs(value)
    if size == 0 or size >= 100:
        return 0
    if size >= 10:
        return 1
    if size >= 1:
        return 2
    return min(6, 2 - math.floor(math.log10(size)))


def _finite(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def number(value: float | None, language: Language, decimals: int | None = None) -> str:
    """``4,21`` in Vietnamese, ``4.21`` in English; a dash for none or nan, ``∞`` for infinity."""
    if not _finite(value):
        return DASH
    assert value is not None
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    places = decimals_for(value) if decimals is None else decimals
    text = f"{abs(value):,.{places}f}"
    if language == "vi":
        text = text.translate(_VI_SEPARATORS)
    negative = value < 0 and any(ch not in "0.," for ch in text)  # no "−0,0"
    return (MINUS if negative else "") + text


def percent(share: float | None, language: Language, decimals: int = 1) -> str:
    """A share of 0–1 as a percentage: ``95,3 %`` / ``95.3%``."""
    if not _finite(share):
        return DASH
    assert share is not None
    return _percent_sign(number(share * 100, language, decimals), language)


def _percent_sign(text: str, language: Language) -> str:
    return f"{text}{NBSP}%" if language == "vi" else f"{text}%"


def with_unit(value: float | None, unit: str, language: Language, decimals: int | None = None) -> str:
    """A KPI's number with its unit (percent-unit KPIs are already 0–100): ``95,3 %``, ``4,21 ha/h``."""
    if not _finite(value):
        return DASH
    text = number(value, language, decimals)
    if unit == "%":
        return _percent_sign(text, language)
    return f"{text}{NBSP}{unit.replace(' ', NBSP)}" if unit else text  # "2,00 /100 h" stays on one line


def interval(low: float | None, high: float | None, language: Language, decimals: int | None = None) -> str:
    """``[3,12; 5,40]`` / ``[3.12, 5.40]`` (never broken across lines); both bounds with the decimals of the larger one."""
    if not (_finite(low) or _finite(high)):
        return DASH
    if decimals is None:
        sizes = [abs(v) for v in (low, high) if _finite(v) and not math.isinf(v)]  # type: ignore[arg-type]
        decimals = decimals_for(max(sizes)) if sizes else 0
    separator = f";{NBSP}" if language == "vi" else f",{NBSP}"  # an interval is read as one word
    return f"[{number(low, language, decimals)}{separator}{number(high, language, decimals)}]"


def p_value(p: float | None, language: Language) -> str:
    """``0,042``; ``< 0,001`` below a thousandth (more digits would claim precision the model lacks)."""
    if not _finite(p):
        return DASH
    assert p is not None
    if p < 0.001:
        return f"<{NBSP}{number(0.001, language, 3)}"
    return number(p, language, 3)


def local_time(moment: datetime | None, language: Language) -> str:
    """A stored (UTC) moment in Asia/Ho_Chi_Minh with its offset: ``21/11/2026 06:30 +07:00``."""
    local = to_local(moment)
    if local is None:
        return DASH
    offset = local.isoformat()[-6:]
    if language == "vi":
        return f"{local:%d/%m/%Y %H:%M} {offset}"
    return f"{local:%Y-%m-%d %H:%M} {offset}"


def local_date(day: date | None, language: Language) -> str:
    """A calendar day (already local): ``21/11/2026`` / ``2026-11-21``."""
    if day is None:
        return DASH
    return f"{day:%d/%m/%Y}" if language == "vi" else day.isoformat()


def day_label(day: date, language: Language) -> str:
    """A short day for a chart's axis: ``21/11`` / ``21 Nov``."""
    return f"{day:%d/%m}" if language == "vi" else f"{day.day} {_MONTHS_EN[day.month - 1]}"
