"""Spreadsheet exports for staff: CSV streamed row by row, XLSX written in openpyxl's write-only
mode. Both read the database with ``.iterator()`` so that memory stays flat however many rows
there are.

Every text cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) is
prefixed with an apostrophe: exported comments are public input.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from occupations.models import Occupation

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    """A value as a spreadsheet cell: lists one item per line, dates in local time, formulas
    defused."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "\n".join(str(item) for item in value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` hands back the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text of ``rows``, one line at a time, with a BOM so spreadsheets read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence]):
    """An XLSX file built in write-only mode (rows are written and forgotten) in a temporary
    file, then streamed from disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        values = []
        for value in row:
            value = cell(value)
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


def export_response(
    fmt: str, basename: str, title: str, header: Sequence[str], rows: Callable[[], Iterable]
):
    """``fmt`` is ``csv`` or ``xlsx``; ``rows`` is called once to get the row iterator."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        return xlsx_response(f"{basename}-{stamp}.xlsx", title, header, rows())
    return csv_response(f"{basename}-{stamp}.csv", header, rows())


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


def occupation_rows(queryset) -> Iterator[tuple]:
    return (
        queryset.order_by("batch__announced_on", "batch_id", "position")
        .values_list(*(name for name, _label in OCCUPATION_COLUMNS))
        .iterator(chunk_size=CHUNK_SIZE)
    )


def export_occupations(queryset=None, *, fmt: str = "csv"):
    """Every published occupation (or those of ``queryset``) as CSV or XLSX."""
    queryset = Occupation.objects.all() if queryset is None else queryset
    header = [label for _name, label in OCCUPATION_COLUMNS]
    return export_response(
        fmt, "occupations", _("Occupations"), header, lambda: occupation_rows(queryset)
    )
