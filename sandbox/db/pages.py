"""One page of a query's rows and how many rows there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

__all__ = ["page_of"]

T = TypeVar("T")


def page_of(
    db: Session, query: Select[tuple[T]], *order_by: Any, limit: int, offset: int, options: Sequence[ORMOption] = ()
) -> tuple[list[T], int]:
    """Rows ``offset`` to ``offset + limit`` in ``order_by`` order, and the total count of ``query``."""
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.options(*options).order_by(*order_by).limit(limit).offset(offset))
    return list(rows), total
