"""Pages of a list: ``?limit=&offset=`` in, ``{items, total, limit, offset}`` out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from litestar.params import QueryParameter
from msgspec import Struct

__all__ = ["Limit", "Offset", "Page"]

T = TypeVar("T")

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000_000, description="items to skip")]


class Page(Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
