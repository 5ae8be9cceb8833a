"""The registry's spreadsheet download for staff: every published occupation, through
``core.exports``."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from core.exports import export_queryset
from occupations.models import DatePrecision, JobTypeNames, Occupation

OCCUPATION_COLUMNS = (
    ("pk", "id"),
    ("code", "code"),
    ("name", "name"),
    ("alternative_names", "alternative names"),
    ("definition", "definition"),
    ("tasks", "main tasks"),
    ("job_types", "job types"),
    # Empty where no source marks or excludes the occupation (not known).
    ("green", "green (L)"),
    ("digital", "digital (S)"),
    ("group__code", "major group"),
    ("batch__slug", "batch"),
    ("batch__title", "batch title"),
    # "April 2019" is written 2019-04, "2024" 2024: never as a day the source does not give.
    ("announced", "announced on"),
    ("batch__announced_precision", "announcement date precision"),
    ("position", "position in batch"),
)


def iso_date_expression(date: str, precision: str) -> models.Case:
    """``occupations.models.iso_date`` in SQL, for exports that the database formats (``COPY``):
    the ISO date (its text is YYYY-MM-DD on SQLite and PostgreSQL alike) cut to its
    precision."""
    text = Cast(date, models.TextField())
    return models.Case(
        models.When(**{precision: DatePrecision.YEAR}, then=Substr(text, 1, 4)),
        models.When(**{precision: DatePrecision.MONTH}, then=Substr(text, 1, 7)),
        default=text,
        output_field=models.TextField(),
    )


def export_occupations(queryset=None, *, fmt: str = "csv"):
    """Every published occupation (or those of ``queryset``) as CSV or XLSX."""
    queryset = Occupation.objects.all() if queryset is None else queryset
    queryset = queryset.annotate(
        announced=iso_date_expression("batch__announced_on", "batch__announced_precision")
    )
    return export_queryset(
        queryset.annotate(job_types=JobTypeNames()).order_by(
            "batch__announced_on", "batch_id", "position"
        ),
        OCCUPATION_COLUMNS,
        fmt=fmt,
        basename="occupations",
        title=_("Occupations"),
    )
