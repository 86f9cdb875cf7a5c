"""Bilingual text: Vietnamese first (the users' language), English beside it.

People read this system in Vietnamese by default; developers and foreign partners may ask for
English. Every message a person can see is therefore written in both languages where it is
raised, so the two never drift apart, and the language is picked only when it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_LANGUAGE", "Language", "Text", "negotiate_language"]

Language = Literal["vi", "en"]
DEFAULT_LANGUAGE: Language = "vi"


@dataclass(frozen=True, slots=True)
class Text:
    """A message in Vietnamese and English."""

    vi: str
    en: str

    def in_(self, language: Language) -> str:
        return self.en if language == "en" else self.vi

    def format(self, **values: object) -> Text:
        return Text(self.vi.format(**values), self.en.format(**values))

    def __add__(self, other: Text) -> Text:
        return Text(self.vi + other.vi, self.en + other.en)


def negotiate_language(accept_language: str | None, explicit: str | None = None) -> Language:
    """Pick the language from an explicit choice (``?lang=``) or an ``Accept-Language`` header.

    Vietnamese unless English is preferred over it: ``en-US,en;q=0.9,vi;q=0.5`` gives English,
    ``vi,en;q=0.8`` and an absent header give Vietnamese.
    """
    if explicit in ("vi", "en"):
        return explicit  # type: ignore[return-value]
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("vi", "en"):
            ranked.append((-quality, position, primary))
    if not ranked:
        return DEFAULT_LANGUAGE
    ranked.sort()
    best_quality = -ranked[0][0]
    return ranked[0][2] if best_quality > 0 else DEFAULT_LANGUAGE  # type: ignore[return-value]
