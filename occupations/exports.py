"""Spreadsheet exports for staff: CSV streamed, XLSX written in openpyxl's write-only mode.

On PostgreSQL a CSV export is one ``COPY (SELECT …) TO STDOUT WITH (FORMAT csv)``: the
database formats every cell (``sql_cell``) and psycopg hands its output through unchanged.
Elsewhere (SQLite) and for XLSX, rows are read with ``.iterator()`` and formatted in Python
(``cell``). Either way memory stays flat however many rows there are, and the two CSV paths
give the same cells.

Every text cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab or
carriage return first) is prefixed with an apostrophe: exported comments are public input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from itertools import islice

from django.db import connections, models
from django.db.models import Case, F, Func, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast, Concat, Left, NullIf
from django.db.models.lookups import Exact, In
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from occupations.models import Occupation

CHUNK_SIZE = 2000
# CSV rows per chunk handed to the server on the Python path; bytes per chunk on COPY.
ROWS_PER_CHUNK = 500
COPY_CHUNK_BYTES = 64 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A column: a field path as ``values_list()`` takes it, and its header label.
Columns = Sequence[tuple[str, str]]


def defuse(text: str) -> str:
    """An apostrophe before a text that a spreadsheet would read as a formula. The rule of
    every CSV and XLSX the project writes (``_defused`` is the same rule in SQL)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value, tz: dt.tzinfo | None = None) -> object:
    """A value as a spreadsheet cell: lists one item per line, dates in local time (``tz``,
    by default the current time zone), formulas defused. ``sql_cell`` is the same rule in
    SQL."""
    kind = type(value)
    # Exact types first: this runs for every value of every exported row.
    if kind is str:
        return defuse(value)
    if kind is int:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return _local_text(value, tz)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "\n".join(str(item) for item in value)
    if isinstance(value, str):
        return defuse(value)
    return value


def _local_text(value: dt.datetime, tz: dt.tzinfo | None) -> str:
    return timezone.localtime(value, tz).replace(tzinfo=None).isoformat(" ", "seconds")


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text of ``rows`` after a BOM (so spreadsheets read UTF-8) and the header,
    ``ROWS_PER_CHUNK`` rows at a time: one chunk per row would cost the server a write and an
    encoding step per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    # Looked up once: the current time zone is a context-local read, slow for every date.
    tz = timezone.get_current_timezone()
    rows = iter(rows)
    while True:
        writer.writerows([cell(v, tz) for v in row] for row in islice(rows, ROWS_PER_CHUNK))
        text = buffer.getvalue()
        if not text:
            return
        yield text
        buffer.seek(0)
        buffer.truncate()


# Formatting in SQL -----------------------------------------------------------------------


def _defused(expression) -> Case:
    """``cell``'s formula guard: an apostrophe before a text starting with a formula
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

    def __init__(self, expression, *, tzname: str) -> None:
        super().__init__(expression)
        self.tzname = tzname

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, tzname="%s", **extra_context)
        return sql, (self.tzname, *params)


class _IsoDate(Func):
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = models.TextField()


def _field_at(model: type[models.Model], path: str) -> models.Field:
    """The model field that ``values_list(path)`` reads (a foreign key's target field)."""
    field = None
    for name in path.split(LOOKUP_SEP):
        if field is not None:
            model = field.related_model
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    while field.is_relation:
        field = field.target_field
    return field


def sql_cell(model: type[models.Model], path: str, *, tzname: str):
    """An expression that formats ``path`` in PostgreSQL exactly as ``cell`` formats its
    value, as text: NULL (an unquoted empty cell) for NULL and for an empty text. JSON values
    are expected to be lists of strings or strings; other JSON is written as JSON text."""
    field = _field_at(model, path)
    value = F(path)
    if isinstance(field, models.DateTimeField):
        formatted = _LocalTime(value, tzname=tzname)
    elif isinstance(field, models.DateField):
        formatted = _IsoDate(value)
    elif isinstance(field, models.BooleanField):
        formatted = Case(
            When(Exact(value, True), then=Value("yes")),
            When(Exact(value, False), then=Value("no")),
            output_field=models.TextField(),
        )
    elif isinstance(field, models.JSONField):
        kind = _JsonTextType(value)
        formatted = Case(
            When(Exact(kind, "array"), then=_defused(_JsonListLines(value))),
            When(Exact(kind, "string"), then=_defused(_JsonString(value))),
            When(Exact(kind, "null"), then=Value(None)),
            default=Cast(value, models.TextField()),
            output_field=models.TextField(),
        )
    elif isinstance(field, models.CharField | models.TextField):
        formatted = _defused(value)
    elif isinstance(field, models.IntegerField):
        formatted = Cast(value, models.TextField())
    else:
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
        f"cell_{i}": sql_cell(queryset.model, path, tzname=tzname)
        for i, (path, _label) in enumerate(columns)
    }
    query = queryset.values(**cells).query
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    header = io.StringIO()
    header.write("\ufeff")
    csv.writer(header, lineterminator="\n").writerow(label for _path, label in columns)
    return _copy_chunks(queryset.db, statement, params, header.getvalue().encode())


def _copy_chunks(using: str, statement: str, params, head: bytes) -> Iterator[bytes]:
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


# Responses ----------------------------------------------------------------------------------


def csv_response(filename: str, chunks: Iterable[str | bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence]):
    """An XLSX file built in write-only mode (rows are written and forgotten) in a temporary
    file, then streamed from disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    tz = timezone.get_current_timezone()
    for row in rows:
        values = []
        for value in row:
            value = cell(value, tz)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            values.append(value)
        sheet.append(values)
    # FileResponse closes the file once sent; a context manager would close it too early.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_queryset(
    queryset: models.QuerySet, columns: Columns, *, fmt: str, basename: str, title: str
):
    """``columns`` of every row of ``queryset``, in its order, as a CSV (streamed) or XLSX
    (``fmt`` is ``csv`` or ``xlsx``) download named after ``basename`` and the local time."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    header = [label for _path, label in columns]
    if fmt == "csv" and can_copy(queryset):
        return csv_response(f"{basename}-{stamp}.csv", copy_csv_chunks(queryset, columns))
    rows = queryset.values_list(*(path for path, _label in columns)).iterator(chunk_size=CHUNK_SIZE)
    if fmt == "xlsx":
        return xlsx_response(f"{basename}-{stamp}.xlsx", title, header, rows)
    return csv_response(f"{basename}-{stamp}.csv", csv_chunks(header, rows))


OCCUPATION_COLUMNS = (
    ("pk", "id"),
    ("code", "code"),
    ("name", "name"),
    ("alternative_names", "alternative names"),
    ("definition", "definition"),
    ("tasks", "main tasks"),
    ("job_types", "job types"),
    ("green", "green (L)"),
    ("digital", "digital (S)"),
    ("group__code", "major group"),
    ("batch__slug", "batch"),
    ("batch__title", "batch title"),
    ("batch__announced_on", "announced on"),
    ("position", "position in batch"),
)


def export_occupations(queryset=None, *, fmt: str = "csv"):
    """Every published occupation (or those of ``queryset``) as CSV or XLSX."""
    queryset = Occupation.objects.all() if queryset is None else queryset
    return export_queryset(
        queryset.order_by("batch__announced_on", "batch_id", "position"),
        OCCUPATION_COLUMNS,
        fmt=fmt,
        basename="occupations",
        title=_("Occupations"),
    )
