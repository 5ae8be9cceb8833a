"""Spreadsheet exports for staff: CSV streamed in chunks of rows, XLSX written in openpyxl's
write-only mode. Both read the database with ``.iterator()`` so that memory stays flat however
many rows there are.

Every text cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab or
carriage return first) is prefixed with an apostrophe: exported comments are public input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from occupations.models import Occupation

CHUNK_SIZE = 2000
# CSV rows per chunk handed to the server.
ROWS_PER_CHUNK = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A column: a field path as ``values_list()`` takes it, and its header label.
Columns = Sequence[tuple[str, str]]


def cell(value, tz: dt.tzinfo | None = None) -> object:
    """A value as a spreadsheet cell: lists one item per line, dates in local time (``tz``,
    by default the current time zone), formulas defused."""
    kind = type(value)
    # Exact types first: this runs for every value of every exported row.
    if kind is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if kind is int:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if kind is dt.datetime:
        return _local_text(value, tz)
    if isinstance(value, list | tuple):
        value = "\n".join(str(item) for item in value)
    if isinstance(value, dt.datetime):
        return _local_text(value, tz)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
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
