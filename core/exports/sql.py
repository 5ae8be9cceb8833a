"""The cell spec of ``core.exports.cells`` in PostgreSQL, and CSV exports by ``COPY``.

On PostgreSQL a CSV export is one ``COPY (SELECT …) TO STDOUT WITH (FORMAT csv)``: the
database formats every cell (``sql_cell``) and psycopg hands its output through unchanged, so
that the CSV gives the same cells as the Python path (``cells.csv_chunks``) at several times
its speed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldError
from django.db import connections, models
from django.db.models import Case, F, Func, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related import RelatedField
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.functions import Cast, Concat, Left, NullIf
from django.db.models.lookups import Exact, In
from django.utils import timezone

from core.exports.cells import FORMULA_PREFIXES, YES_NO

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# Bytes of COPY output per chunk handed to the server.
COPY_CHUNK_BYTES = 64 * 1024

# A column: a field path as ``values_list()`` takes it, and its header label.
Columns = Sequence[tuple[str, str]]


def _defused(expression: F | Func) -> Case:
    """``cells.defuse`` in SQL: an apostrophe before a text starting with a formula
    character."""
    return Case(
        When(
            In(Left(expression, 1), FORMULA_PREFIXES),
            then=Concat(Value("'"), expression, output_field=models.TextField()),
        ),
        default=expression,
        output_field=models.TextField(),
    )


class _JsonTextType(Func):
    function = "jsonb_typeof"
    output_field = models.TextField()


class _JsonListLines(Func):
    """The items of a JSON array, one per line, in order (NULL for an empty array)."""

    template = (
        "(SELECT string_agg(item, E'\\n' ORDER BY n)"
        " FROM jsonb_array_elements_text(%(expressions)s) WITH ORDINALITY AS items(item, n))"
    )
    output_field = models.TextField()


class _JsonString(Func):
    template = "(%(expressions)s #>> '{}')"
    output_field = models.TextField()


class _LocalTime(Func):
    """A timestamp with time zone as ``YYYY-MM-DD HH:MM:SS`` in the time zone ``tzname``."""

    template = "to_char(timezone(%(tzname)s, %(expressions)s), 'YYYY-MM-DD HH24:MI:SS')"
    output_field = models.TextField()

    def __init__(self, expression: F, *, tzname: str) -> None:
        super().__init__(expression)
        self.tzname = tzname

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().as_sql(
            compiler, connection, function, template, arg_joiner, tzname="%s", **extra_context
        )
        return sql, (self.tzname, *params)


class _IsoDate(Func):
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = models.TextField()


def _field_at(model: type[models.Model], path: str) -> models.Field:
    """The model field that ``values_list(path)`` reads (a foreign key's target field)."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        related_model = model._meta.get_field(relation).related_model
        if related_model is None:
            raise FieldError(f"{relation!r} of {path!r} is not a relation.")
        model = related_model
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    while isinstance(field, RelatedField | ForeignObjectRel):
        field = field.target_field
    return field


def _json_cell(value: F) -> Case:
    kind = _JsonTextType(value)
    return Case(
        When(Exact(kind, "array"), then=_defused(_JsonListLines(value))),
        When(Exact(kind, "string"), then=_defused(_JsonString(value))),
        When(Exact(kind, "null"), then=Value(None)),
        default=Cast(value, models.TextField()),
        output_field=models.TextField(),
    )


def _boolean_cell(value: F) -> Case:
    yes, no = YES_NO
    return Case(
        When(Exact(value, True), then=Value(yes)),
        When(Exact(value, False), then=Value(no)),
        output_field=models.TextField(),
    )


def _formatted(field: models.Field, value: F, tzname: str) -> Func | Case | None:
    """``value`` of ``field`` formatted as text, or None where there is no rule for it."""
    if isinstance(field, models.DateTimeField):
        return _LocalTime(value, tzname=tzname)
    if isinstance(field, models.DateField):
        return _IsoDate(value)
    if isinstance(field, models.BooleanField):
        return _boolean_cell(value)
    if isinstance(field, models.JSONField):
        return _json_cell(value)
    if isinstance(field, models.CharField | models.TextField):
        return _defused(value)
    if isinstance(field, models.IntegerField):
        return Cast(value, models.TextField())
    return None


def sql_cell(
    model: type[models.Model], path: str, *, tzname: str, annotations: dict | None = None
) -> NullIf:
    """An expression that formats ``path`` in PostgreSQL exactly as ``cells.cell`` formats
    its value for staff (booleans yes/no), as text: NULL (an unquoted empty cell) for NULL and
    for an empty text. JSON values are expected to be lists of strings or strings; other JSON
    is written as JSON text.

    Raises TypeError for a field of a kind that has no rule here.
    """
    if annotations and path in annotations:
        field = annotations[path].output_field  # a value the queryset computes
    else:
        field = _field_at(model, path)
    formatted = _formatted(field, F(path), tzname)
    if formatted is None:
        raise TypeError(f"No CSV format in SQL for {path!r} ({type(field).__name__}).")
    return NullIf(formatted, Value(""), output_field=models.TextField())


def copy_csv_chunks(queryset: models.QuerySet, columns: Columns) -> Iterator[bytes]:
    """The CSV of ``queryset`` (its filters and order) as PostgreSQL's ``COPY`` writes it,
    after a BOM and the header, in chunks of about ``COPY_CHUNK_BYTES``.

    The statement is built now, so that a mistake fails before the response starts; the
    database is read only as the chunks are consumed, on a cursor held until the last one or
    until the consumer closes the iterator (a client that went away): the ``COPY`` is then
    cancelled and the connection left ready for the next request."""
    tzname = timezone.get_current_timezone_name()
    cells = {
        f"cell_{i}": sql_cell(
            queryset.model, path, tzname=tzname, annotations=queryset.query.annotations
        )
        for i, (path, _label) in enumerate(columns)
    }
    query = queryset.values(**cells).query
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    header = io.StringIO()
    header.write("\ufeff")
    csv.writer(header, lineterminator="\n").writerow(label for _path, label in columns)
    return _copy_chunks(queryset.db, statement, params, header.getvalue().encode())


def _copy_chunks(using: str, statement: str, params: Sequence[Any], head: bytes) -> Iterator[bytes]:
    # Runs while the server iterates the response, after the view has returned: outside any
    # ATOMIC_REQUESTS transaction (committed by then), so the COPY is one autocommitted
    # statement, on the request's connection, which Django may close (CONN_MAX_AGE) only at
    # request_finished, after the last chunk or the client's departure.
    connection = connections[using]
    buffer = bytearray(head)
    with connection.cursor() as cursor:
        # The query log (DEBUG, tests) sees the COPY like any other query.
        logged = cursor.debug_sql(statement, params) if connection.queries_logged else nullcontext()
        with logged, connection.wrap_database_errors, cursor.cursor.copy(statement, params) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= COPY_CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)


def can_copy(queryset: models.QuerySet) -> bool:
    """Whether ``copy_csv_chunks`` can export ``queryset``: on PostgreSQL, and without
    ``DISTINCT`` (for which Django adds the ordering columns to the select list)."""
    return connections[queryset.db].vendor == "postgresql" and not queryset.query.distinct
