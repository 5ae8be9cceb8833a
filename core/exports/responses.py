"""Export downloads: CSV streamed (by ``COPY`` on PostgreSQL, ``core.exports.sql``), XLSX
written in openpyxl's write-only mode. Either way memory stays flat however many rows
there are."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from core.exports import sql
from core.exports.cells import cell, csv_chunks
from core.exports.sql import Columns

# Rows fetched per database round trip on the Python path.
CHUNK_SIZE = 2000


def csv_response(filename: str, chunks: Iterable[str | bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> FileResponse:
    """An XLSX file built in write-only mode (rows are written and forgotten) in a temporary
    file, then streamed from disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    tz = timezone.get_current_timezone()
    for row in rows:
        # ``cell`` removed the characters XML cannot hold (they would make the file unreadable).
        sheet.append([cell(value, tz) for value in row])
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
) -> StreamingHttpResponse:
    """``columns`` of every row of ``queryset``, in its order, as a CSV (streamed) or XLSX
    (``fmt`` is ``csv`` or ``xlsx``) download named after ``basename`` and the local time."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    header = [label for _path, label in columns]
    if fmt == "csv" and sql.can_copy(queryset):
        return csv_response(f"{basename}-{stamp}.csv", sql.copy_csv_chunks(queryset, columns))
    rows = queryset.values_list(*(path for path, _label in columns)).iterator(chunk_size=CHUNK_SIZE)
    if fmt == "xlsx":
        return xlsx_response(f"{basename}-{stamp}.xlsx", title, header, rows)
    return csv_response(f"{basename}-{stamp}.csv", csv_chunks(header, rows))
