"""The one cell spec of every spreadsheet the project writes: the staff CSV and XLSX exports
and the API's CSV. ``core.exports.sql`` states the same spec in SQL for ``COPY``.

Every text cell is cleaned in one step, ``defuse``, in this order: control characters are
removed (``core.text``: XML cannot hold them, and a spreadsheet may skip them), then a text that
a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first)
gets an apostrophe before it: exported text is often public input. Nothing changes a cell after
``defuse``, so no later step can turn ``\x01=1+1`` back into a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.utils import timezone

from core.text import without_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Booleans as staff spreadsheets show them, and as the API's JSON spells them (its CSV
# matches its JSON).
YES_NO = ("yes", "no")
TRUE_FALSE = ("true", "false")
# CSV rows per chunk handed to the server: one chunk per row would cost a write and an
# encoding step per row.
ROWS_PER_CHUNK = 500


def defuse(text: str) -> str:
    """``text`` without control characters, then with an apostrophe before it if a spreadsheet
    would read it as a formula."""
    text = without_control_characters(text)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(
    value: object, tz: dt.tzinfo | None = None, *, booleans: tuple[str, str] = YES_NO
) -> object:
    """A value as a spreadsheet cell: text with formulas defused, whole numbers as they are,
    null as empty, booleans as ``booleans`` (true first), times in local time (``tz``, by
    default the current time zone) to the second, dates in ISO form, a list one item per line
    (a list inside it joined by ``"; "``), a mapping as JSON."""
    # Exact types first: this runs for every value of every exported row.
    if type(value) is str:
        return defuse(value)
    if type(value) is int:
        return value
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return defuse("\n".join(_text(item, tz, booleans, "; ") for item in value))
    if isinstance(value, str | bool | dict | dt.date):
        return defuse(_text(value, tz, booleans, "; "))
    return value


def _text(value: object, tz: dt.tzinfo | None, booleans: tuple[str, str], separator: str) -> str:
    """``value`` as the text of a cell or of one item of a list cell, not yet defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, tz).replace(tzinfo=None).isoformat(" ", "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return separator.join(_text(item, tz, booleans, separator) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, booleans: tuple[str, str] = YES_NO
) -> Iterator[str]:
    """The CSV text of ``rows``, each value formatted by ``cell``, after a byte-order mark (so
    spreadsheet programs read UTF-8) and the header, ``ROWS_PER_CHUNK`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    # Looked up once: the current time zone is a context-local read, slow for every date.
    tz = timezone.get_current_timezone()
    rows = iter(rows)
    while True:
        chunk = islice(rows, ROWS_PER_CHUNK)
        writer.writerows([cell(v, tz, booleans=booleans) for v in row] for row in chunk)
        text = buffer.getvalue()
        if not text:
            return
        yield text
        buffer.seek(0)
        buffer.truncate()
