"""A paginator for admin changelists of tables too large to count on every page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def estimated_row_count(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows of ``queryset``'s table, or None where there is no
    usable one: another database, a queryset that filters, groups, joins a filtering
    relation, slices or removes duplicates (its count is not the table's), or a table never
    analysed.

    The estimate is the planner's own: ``pg_class.reltuples`` scaled by the table's current
    size in pages, so that rows added since the last ``ANALYZE`` are seen too.
    """
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    if (
        query.where
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or query.is_sliced
    ):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT CASE
                WHEN reltuples < 0 THEN NULL
                WHEN relpages = 0 THEN reltuples
                ELSE reltuples / relpages
                    * (pg_relation_size(oid) / current_setting('block_size')::integer)
            END::bigint
            FROM pg_class WHERE oid = %s::regclass
            """,
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else row[0]


def rows_by_keys_first(page: QuerySet) -> QuerySet:
    """The rows of the sliced queryset ``page``, found by their keys first.

    ``OFFSET`` makes the database walk past every earlier row. Walking the order's index for
    keys alone can skip the table (an index-only scan), and only the page's rows are then
    read in full: one query, ``WHERE pk IN (<the page's keys>)``, in the same order. Left as
    it is where the keys cannot stand for the rows (a queryset that removes duplicates,
    groups or combines) or where the database cannot slice a subquery.
    """
    query = page.query
    connection = connections[page.db]
    if (
        not query.is_sliced
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or not connection.features.allow_sliced_subqueries_with_in
    ):
        return page
    whole = page.all()
    whole.query.clear_limits()
    return whole.filter(pk__in=page.values("pk"))


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered table from PostgreSQL's estimate instead of ``SELECT COUNT(*)``,
    which reads the whole table on every page, and reads a page's rows by their keys first
    (``rows_by_keys_first``).

    Exact wherever the estimate does not apply (see ``estimated_row_count``) or is below
    ``exact_below``, where counting is cheap and a visible error would be odd. ``estimated``
    tells the template to say "about". Pages past the true end are empty; a page the
    estimate falls short of is refused as out of range, as any page past the count is.
    """

    exact_below = 10_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.estimated = False

    @cached_property
    def count(self) -> int:
        estimate = (
            estimated_row_count(self.object_list)
            if isinstance(self.object_list, QuerySet)
            else None
        )
        if estimate is not None and estimate >= self.exact_below:
            self.estimated = True
            return estimate
        return super().count

    def page(self, number: int | str) -> Page:
        page = super().page(number)
        if isinstance(page.object_list, QuerySet):
            page.object_list = rows_by_keys_first(page.object_list)
        return page
