"""Small query helpers every layer may use."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

T = TypeVar("T", bound=Model)


def first(rows: QuerySet[T]) -> T | None:
    """The first row, or None, without the model's default ordering.

    ``QuerySet.first()`` orders by the model's ``Meta.ordering`` (often through related
    models' own orderings, with joins): on the queries every request makes, compiling that
    costs more than running the query. Use it where at most one row can match.
    """
    return next(iter(rows.order_by()[:1]), None)
