"""CSV as an API format: the renderer that makes ``?format=csv`` known, and the CSV body of
serialized records, in the cell spec of every spreadsheet the project writes
(``core.exports.cells``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer

from core.exports.cells import TRUE_FALSE, csv_chunks


class BrowsableRenderer(BrowsableAPIRenderer):
    """DRF's browsable API without its inline style element: the code style it would write
    into the page is served as a file (``templates/rest_framework/api.html``), so that the
    page keeps to the public Content Security Policy."""

    def get_context(
        self, data: Any, accepted_media_type: str | None, renderer_context: Mapping[str, Any]
    ) -> dict[str, Any]:
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context


class CSVRenderer(BaseRenderer):
    """Makes ``?format=csv`` (and ``Accept: text/csv``) a known format. Lists and details
    stream their own CSV body (``ReadOnlyApiViewSet``); errors are answered in JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return json.dumps(data, default=str).encode()


def value_at(record: dict[str, Any], column: str) -> Any:
    """The value at a dotted column path (``batch.slug``) of a serialized record; a path
    through a list yields a list (``standards.id``: the id of each standard)."""
    value: Any = record
    for part in column.split("."):
        if isinstance(value, list):
            value = [item.get(part) if isinstance(item, dict) else None for item in value]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def csv_lines(columns: Sequence[str], records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV of serialized ``records``, one row each, a header row of the ``columns`` first.
    Booleans are ``true``/``false``, as in the JSON the same records are."""
    rows = ([value_at(record, column) for column in columns] for record in records)
    return csv_chunks(columns, rows, booleans=TRUE_FALSE)


def flat_columns(serializer: Any, prefix: str = "") -> list[str]:
    """The CSV columns of a serializer's fields, in order: a nested object or list of objects
    becomes one dotted column per field of it (``batch.slug``, ``standards.id``), so that the
    CSV follows the serializer and a field added to it reaches both formats. A nested
    serializer that sets ``csv_single_column`` is one column, its value a JSON object."""
    columns: list[str] = []
    for name, field in serializer.fields.items():
        nested = getattr(field, "child", field)
        if hasattr(nested, "fields") and not getattr(nested, "csv_single_column", False):
            columns.extend(flat_columns(nested, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns
