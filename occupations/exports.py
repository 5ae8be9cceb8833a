"""The registry's spreadsheet download for staff: every published occupation, through
``core.exports``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exports import export_queryset
from occupations.models import JobTypeNames, Occupation

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
    # "April 2019" is stored as 2019-04-01: the precision says how much of the date is known.
    ("batch__announced_precision", "announcement date precision"),
    ("position", "position in batch"),
)


def export_occupations(queryset=None, *, fmt: str = "csv"):
    """Every published occupation (or those of ``queryset``) as CSV or XLSX."""
    queryset = Occupation.objects.all() if queryset is None else queryset
    return export_queryset(
        queryset.annotate(job_types=JobTypeNames()).order_by(
            "batch__announced_on", "batch_id", "position"
        ),
        OCCUPATION_COLUMNS,
        fmt=fmt,
        basename="occupations",
        title=_("Occupations"),
    )
