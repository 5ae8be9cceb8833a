"""Control characters in text: the one rule for what text typed or imported by a person may
not hold, and what an export removes before anything else.

C0 and C1 control characters (and DEL) are invisible, XML cannot hold most of them, and a
spreadsheet may skip them when it decides whether a cell is a formula. A text of several lines
keeps its tab, line feed and carriage return; a one-line text keeps none of them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same class as CONTROL_CHARACTERS_IN_LINES in PostgreSQL's regular expressions (a NUL
# cannot be stored there, so it is not named).
CONTROL_CHARACTERS_IN_LINES_SQL = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
CONTROL_CHARACTERS_MESSAGE = gettext_lazy(
    "Remove the control characters (invisible characters such as NUL) from this text."
)
FIELD_CONTROL_CHARACTERS_MESSAGE = gettext_lazy(
    "%(field)s: remove the control characters (invisible characters such as NUL) from this text."
)


def without_control_characters(text: str) -> str:
    """``text`` less its control characters other than tab, line feed and carriage return."""
    return CONTROL_CHARACTERS_IN_LINES.sub("", text)


def has_control_characters(text: str, *, multiline: bool) -> bool:
    pattern = CONTROL_CHARACTERS_IN_LINES if multiline else CONTROL_CHARACTERS
    return bool(text) and pattern.search(text) is not None


def control_character_errors(
    values: Mapping[str, object], labels: Mapping[str, str], *, multiline: Collection[str] = ()
) -> dict[str, ValidationError]:
    """An error naming the field (by its label in ``labels``) for each of ``values`` (text, or
    a list of texts, each item one line) that holds control characters; the names in
    ``multiline`` may hold tabs and line ends."""
    errors = {}
    for name, value in values.items():
        if isinstance(value, str):
            found = has_control_characters(value, multiline=name in multiline)
        elif isinstance(value, list | tuple):
            found = any(
                isinstance(item, str) and has_control_characters(item, multiline=False)
                for item in value
            )
        else:
            found = False
        if found:
            errors[name] = ValidationError(
                FIELD_CONTROL_CHARACTERS_MESSAGE,
                code="control_characters",
                params={"field": labels.get(name, name)},
            )
    return errors
