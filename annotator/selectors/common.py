"""Query pieces every domain's selectors use."""

from __future__ import annotations

from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


def subquery_count(rows: QuerySet, outer_key: str) -> Coalesce:
    """How many ``rows`` (filtered by an OuterRef on ``outer_key``) there are, as a subquery.

    Unlike a join with GROUP BY, a subquery is left out of a paginator's count and runs only
    for the rows of the page shown.
    """
    counted = rows.order_by().values(outer_key).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
