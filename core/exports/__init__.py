"""Spreadsheet exports: one cell spec (``cells``) for the staff CSV and XLSX downloads and the
API's CSV, the same spec in SQL for PostgreSQL's ``COPY`` (``sql``), and the downloads built
from a queryset and its columns (``responses``)."""

from core.exports.cells import cell, csv_chunks, defuse
from core.exports.responses import csv_response, export_queryset, xlsx_response
from core.exports.sql import Columns

__all__ = [
    "Columns",
    "cell",
    "csv_chunks",
    "csv_response",
    "defuse",
    "export_queryset",
    "xlsx_response",
]
