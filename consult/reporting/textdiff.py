"""Side-by-side changes between the text the public commented on and the published record.

The consultation keeps that text as a plain dict (``DraftOccupation.consulted_text``), compared
here with the registry's ``Occupation`` it became. Differences are computed by character, which
suits Chinese (no spaces) and English alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# consulted_text key -> (Occupation attribute, label), in display order.
COMPARED_FIELDS = (
    ("proposed_code", "code", gettext_lazy("Code")),
    ("name", "name", pgettext_lazy("of an occupation", "Name")),
    ("alternative_names", "alternative_names", gettext_lazy("Other names")),
    ("definition", "definition", gettext_lazy("Definition")),
    ("tasks", "tasks", gettext_lazy("Main tasks")),
    ("job_types", "job_types", gettext_lazy("Job types")),
    ("green", "green", gettext_lazy("Green occupation (L)")),
    ("digital", "digital", gettext_lazy("Digital occupation (S)")),
    ("group_id", "group_id", gettext_lazy("Major group")),
)

# Values that change as a whole: a code or a marker is not compared character by character.
WHOLE_VALUE_FIELDS = {"proposed_code", "green", "digital", "group_id"}

Segment = tuple[str, str]  # ("equal" | "del" | "ins", text)


@dataclass
class Side:
    items: list[list[Segment]] = field(default_factory=list)


@dataclass
class ChangedField:
    label: str
    is_list: bool
    before: Side
    after: Side
    # The consulted_text key of the field ("definition", "tasks", ...).
    key: str = ""


def inline(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """The two texts cut into segments: deletions marked on the old, insertions on the new."""
    before: list[Segment] = []
    after: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            before.append(("equal", old[i1:i2]))
            after.append(("equal", new[j1:j2]))
        else:
            if i2 > i1:
                before.append(("del", old[i1:i2]))
            if j2 > j1:
                after.append(("ins", new[j1:j2]))
    return before, after


def merged(old: str, new: str) -> list[Segment]:
    """One text with the changes from ``old`` to ``new`` in place: what ``new`` left out of
    ``old`` as "del", what it put in as "ins" (a campaign member against its representative)."""
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("del", old[i1:i2]))
        if j2 > j1:
            segments.append(("ins", new[j1:j2]))
    return segments


def _list_sides(old: list[str], new: list[str]) -> tuple[Side, Side]:
    before, after = Side(), Side()
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            for item in old[i1:i2]:
                before.items.append([("equal", item)])
                after.items.append([("equal", item)])
        else:
            # Replaced items are compared pairwise in order (a reworded task); what is left over
            # on either side was removed or added whole.
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for a, b in zip(old[i1 : i1 + paired], new[j1 : j1 + paired], strict=True):
                x, y = inline(a, b)
                before.items.append(x)
                after.items.append(y)
            before.items.extend([("del", item)] for item in old[i1 + paired : i2])
            after.items.extend([("ins", item)] for item in new[j1 + paired : j2])
    return before, after


def _display(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    return str(value)


def changes(consulted: dict, occupation, groups: dict | None = None) -> list[ChangedField]:
    """Every field whose published value differs from the consulted one.

    ``groups`` maps group ids to their display text (for ``group_id``).
    """
    current = {
        key: getattr(occupation, attribute)
        for key, attribute, _label in COMPARED_FIELDS
        if key in consulted
    }
    return compare(consulted, current, groups)


def compare(consulted: dict, current: dict, groups: dict | None = None) -> list[ChangedField]:
    """Every field whose ``current`` value (keyed as ``consulted_text``, e.g. a draft's
    ``text()``) differs from the consulted one."""
    groups = groups or {}
    result = []
    for key, _attribute, label in COMPARED_FIELDS:
        if key not in consulted or key not in current:
            continue
        old, new = consulted[key], current[key]
        if old == new:
            continue
        if isinstance(old, list) or isinstance(new, list):
            before, after = _list_sides([str(v) for v in old or []], [str(v) for v in new or []])
            result.append(ChangedField(str(label), True, before, after, key))
            continue
        if key == "group_id":
            old, new = groups.get(old, old), groups.get(new, new)
        if key in WHOLE_VALUE_FIELDS:
            x, y = [("del", _display(old))], [("ins", _display(new))]
        else:
            x, y = inline(_display(old), _display(new))
        result.append(ChangedField(str(label), False, Side([x]), Side([y]), key))
    return result
