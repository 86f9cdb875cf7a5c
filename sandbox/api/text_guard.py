"""Refuse the NUL character in submitted text before it reaches a database.

PostgreSQL cannot store U+0000 in text while SQLite can: without this guard the same request
would succeed on one store and fail on the other. The check is a byte search; the JSON is only
decoded (to point at the field) when the escape is actually there.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from sandbox.errors import InvalidInput
from sandbox.i18n import Text

__all__ = ["refuse_nul_characters"]

_NUL_ESCAPE = b"\\u0000"


def _nul_pointer(value: Any, pointer: str) -> str | None:
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if "\x00" in str(key):
                return here
            if (found := _nul_pointer(item, here)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_pointer(item, f"{pointer}/{index}")) is not None:
                return found
    return None


async def refuse_nul_characters(request: Request) -> None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    body = await request.body()
    if _NUL_ESCAPE not in body:
        return
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # malformed JSON is reported by the normal decoding, with its own message
    pointer = _nul_pointer(document, "")
    if pointer is not None:
        raise InvalidInput.at(
            pointer or "/",
            Text("văn bản không được chứa ký tự NUL (\\u0000)", "text must not contain the NUL character (\\u0000)"),
        )
