"""Where a stored fact comes from: one rule for every record of the registry.

A record's ``sources`` are the sentences it is copied from (``{"file", "quote"}``, the quote a
whole sentence of the file). Its ``provenance`` names the facts that do not come from those
sentences, field by field:

    {"announced_on": {"basis": "inference", "rule": "year from the order of batches in 000"},
     "group": {"basis": "reference", "reference": "the 2022 classification's major groups"},
     "announced_on": {"basis": "disagreement", "readings": [
         {"value": "2020-06", "file": "000_….txt", "quote": "…"},
         {"value": "2020-07-06", "file": "001_….txt", "quote": "…"}],
         "rule": "which reading is stored, and why"},
     "definition": {"basis": "source", "file": "…", "quote": "…"}}

A field not named is supported by the record's sources; a field whose value is unknown is null
and needs no entry.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class Basis:
    SOURCE = "source"
    INFERENCE = "inference"
    REFERENCE = "reference"
    DISAGREEMENT = "disagreement"


# What each basis must say, beside "basis" itself.
REQUIRED = {
    Basis.SOURCE: ("file", "quote"),
    Basis.INFERENCE: ("rule",),
    Basis.REFERENCE: ("reference",),
    Basis.DISAGREEMENT: ("readings", "rule"),
}


def provenance_problems(value: Any) -> list[str]:
    """What is wrong with a ``provenance`` value, one sentence a problem (none when sound)."""
    if not isinstance(value, dict):
        return ["provenance must be a mapping of field names to their basis."]
    problems = []
    for field, entry in value.items():
        if not isinstance(entry, dict) or entry.get("basis") not in REQUIRED:
            problems.append(
                f"provenance of {field!r} must have a basis, one of {', '.join(REQUIRED)}."
            )
            continue
        for key in REQUIRED[entry["basis"]]:
            if not entry.get(key):
                problems.append(f"provenance of {field!r} ({entry['basis']}) needs {key!r}.")
        if entry["basis"] == Basis.DISAGREEMENT:
            readings = entry.get("readings") or []
            if len(readings) < 2 or not all(
                isinstance(r, dict) and r.get("value") and r.get("file") and r.get("quote")
                for r in readings
            ):
                problems.append(
                    f"provenance of {field!r} needs two or more readings, each with "
                    "value, file and quote."
                )
    return problems


def validate_provenance(value: Any) -> None:
    problems = provenance_problems(value)
    if problems:
        raise ValidationError(" ".join(problems), code="invalid_provenance")


def provenance_field():
    from django.db import models

    return models.JSONField(
        _("provenance"),
        default=dict,
        blank=True,
        validators=[validate_provenance],
        help_text=_(
            "Facts that do not come from the sources' sentences: inferred (with the rule), "
            "outside reference data (named), or where sources disagree (every reading)."
        ),
    )
