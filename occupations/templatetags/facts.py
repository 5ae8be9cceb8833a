"""How a page shows where a fact comes from (``occupations.provenance``): one tag for the marker
beside a fact that is inferred, taken from outside the sources, or read differently by two
sources; one for a record's sources and every such fact; one for a date no source states.

    {% load facts %}
    {{ batch.announced_display }} {% provenance batch "announced_on" %}
    {% sources batch %}
"""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from occupations.models import DatePrecision, format_date
from occupations.provenance import Basis

register = template.Library()

# A value of a reading written as an ISO date at its precision: 2020, 2020-06, 2020-07-06.
ISO_DATE = re.compile(r"\A(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
# Any Han character: a text with one is Chinese, one without is English (the sources and the
# notes of the registry are written in one of the two).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@register.filter
def text_language(text: object) -> str:
    """The language of a text held in one language only, for its element's ``lang``: the
    sources' quotes and the rules written beside inferred facts are in Chinese or English, and
    nothing records which, so it is read from the text (any Han character means Chinese)."""
    return "zh-Hans" if HAN.search(str(text or "")) else "en"


def reading_display(value: object) -> str:
    """A reading's value as a page shows it: an ISO date at its precision ("2020-06") as a date
    at that precision ("June 2020"), anything else as written."""
    match = ISO_DATE.match(str(value))
    if not match:
        return str(value)
    year, month, day = match.groups()
    try:
        date = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return str(value)
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return format_date(date, precision)


def entry_context(entry: dict | None) -> dict:
    """What the marker shows of one provenance entry; no marker for a fact the sources state."""
    if not isinstance(entry, dict) or entry.get("basis") not in {
        Basis.INFERENCE,
        Basis.REFERENCE,
        Basis.DISAGREEMENT,
    }:
        return {"entry": None}
    readings = [
        {**reading, "display": reading_display(reading.get("value", ""))}
        for reading in entry.get("readings") or []
        if isinstance(reading, dict)
    ]
    return {"entry": entry, "basis": entry["basis"], "readings": readings}


@register.inclusion_tag("site/includes/provenance.html")
def provenance(record: object, field: str) -> dict:
    """The marker and note for ``field`` of ``record`` when its provenance names it as
    inferred, outside reference data or a disagreement; nothing otherwise."""
    entries = getattr(record, "provenance", None) or {}
    return entry_context(entries.get(field))


def field_label(record: object, field: str) -> str:
    try:
        return str(record._meta.get_field(field).verbose_name)  # type: ignore[attr-defined]
    except (AttributeError, FieldDoesNotExist):  # a provenance key that is not a model field
        return field.replace("_", " ")


@register.inclusion_tag("site/includes/sources.html")
def sources(record: object, heading_level: int = 2) -> dict:
    """A record's sources (each quote with its file) and every fact of it that is not from
    them, field by field, with its marker: whatever a page shows inline, nothing is missed."""
    quotes = [s for s in getattr(record, "sources", None) or [] if isinstance(s, dict)]
    entries = getattr(record, "provenance", None) or {}
    facts = []
    for field, entry in entries.items():
        if isinstance(entry, dict) and entry.get("basis") == Basis.SOURCE:
            quotes.append({**entry, "field": field_label(record, field)})
        else:
            context = entry_context(entry)
            if context["entry"] is not None:
                facts.append({"field": field_label(record, field), **context})
    return {"quotes": quotes, "facts": facts, "heading_level": heading_level}


@register.filter
def or_not_stated(value: object) -> object:
    """``{{ batch.announced_display|or_not_stated }}``: a date (or count) no source states reads
    "not stated in the sources", never blank and never a guess."""
    if value is None or value == "":
        return _("not stated in the sources")
    return value


@register.filter
def authority_language(authority: object) -> str:
    """The language of ``authority.local_name`` on this page: its Chinese name on a Chinese
    page where it has one, else its English name."""
    chinese = (get_language() or "").startswith("zh")
    return "zh-hans" if chinese and getattr(authority, "name_zh", "") else "en"
