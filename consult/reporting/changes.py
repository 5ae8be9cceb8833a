"""What each comment changed ("you said, we did"): for each draft, field by field, the text the
public commented on, the published text (the current draft text until publication), and the
adopted comments whose answering revision (``Comment.answering_revision``) changed that field.

A linked comment is placed under the fields its revision changed (compared with the revision
before it) that still differ in the published text; when it names a part of the occupation
that is among them, under that part only. A comment whose change was undone later has no
field left and is listed apart, so that no linked comment disappears.

``draft_changes(drafts, public=...)`` runs three queries for any number of drafts: the linked
comments, the history rows of their drafts, and the major groups named by changed group fields.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from consult.models import DRAFT_TEXT_FIELDS, Comment, DraftOccupation
from consult.reporting import textdiff
from occupations.models import ClassificationGroup

# Comment.field -> the consulted_text keys it is about.
PART_KEYS = {
    "name": {"name", "alternative_names"},
    "code": {"proposed_code"},
    "definition": {"definition"},
    "task": {"tasks"},
    "job_types": {"job_types"},
    "markers": {"green", "digital"},
}


@dataclass
class AskingComment:
    """An adopted comment linked to the revision that answers it, as a report may show it."""

    tracking_number: str
    target: str
    author: str
    organisation: str
    body: str
    proposed_text: str
    disposition_label: str
    reply: str


@dataclass
class FieldChange:
    change: textdiff.ChangedField
    comments: list[AskingComment] = field(default_factory=list)
    # Linked comments the public may not see (not published, or no consent): counted only.
    unpublished: int = 0


@dataclass
class DraftChanges:
    draft: DraftOccupation
    fields: list[FieldChange] = field(default_factory=list)
    # Linked comments whose change no longer shows in the published text.
    undone: list[AskingComment] = field(default_factory=list)

    @property
    def linked(self) -> int:
        return sum(len(f.comments) + f.unpublished for f in self.fields) + len(self.undone)


def _published_text(draft: DraftOccupation):
    """The registry record once published; until then the draft's current text, under the
    registry's attribute names (``textdiff.COMPARED_FIELDS``)."""
    if draft.occupation_id is not None:
        return draft.occupation
    text = draft.text()
    return SimpleNamespace(code=text.pop("proposed_code"), **text)


def _revision_changes(history: list) -> dict[int, set[str]]:
    """``{history_id: fields it changed}``, each history row compared with the one before it
    (rows of one draft, oldest first)."""
    changed: dict[int, set[str]] = {}
    previous: dict[int, object] = {}
    for row in history:
        before = previous.get(row.id)
        changed[row.history_id] = {
            name
            for name in DRAFT_TEXT_FIELDS
            if before is None or getattr(before, name) != getattr(row, name)
        }
        previous[row.id] = row
    return changed


def _asking(comment: Comment) -> AskingComment:
    return AskingComment(
        tracking_number=comment.tracking_number,
        target=comment.target_display,
        author=comment.public_author,
        organisation=comment.organisation,
        body=comment.body,
        proposed_text=comment.proposed_text,
        disposition_label=comment.get_disposition_display(),
        reply=comment.reply,
    )


def _place(comment: Comment, revision_fields: set[str], changed_keys: set[str]) -> set[str]:
    keys = revision_fields & changed_keys
    named = PART_KEYS.get(comment.field, set()) & keys
    return named or keys


def draft_changes(drafts: list[DraftOccupation], *, public: bool) -> dict[int, DraftChanges]:
    """The comparison of every given draft that the public commented on, by draft id.

    ``drafts`` should come with ``select_related("occupation")``. ``public=True`` lists only
    comments that are published with their author's consent and counts the others; spam is
    never shown. Changes nothing.
    """
    drafts = [d for d in drafts if d.consulted_text]
    linked = list(
        Comment.objects.not_spam()
        .filter(answering_revision__id__in=[d.pk for d in drafts])
        .select_related("occupation", "answering_revision")
        .order_by("submitted_at", "pk")
    )
    draft_ids = {c.answering_revision.id for c in linked}
    history = list(
        DraftOccupation.history.filter(id__in=draft_ids).order_by(
            "id", "history_date", "history_id"
        )
    )
    revision_fields = _revision_changes(history)
    group_ids = {
        g
        for d in drafts
        for g in (d.consulted_text.get("group_id"), _published_text(d).group_id)
        if g is not None
    }
    groups = (
        {g.pk: str(g) for g in ClassificationGroup.objects.filter(pk__in=group_ids)}
        if group_ids
        else {}
    )
    by_draft: dict[int, list[Comment]] = defaultdict(list)
    for comment in linked:
        by_draft[comment.answering_revision.id].append(comment)

    result = {}
    for draft in drafts:
        changes = textdiff.changes(draft.consulted_text, _published_text(draft), groups)
        report = DraftChanges(draft=draft, fields=[FieldChange(change) for change in changes])
        by_key = {f.change.key: f for f in report.fields}
        for comment in by_draft.get(draft.pk, []):
            keys = _place(
                comment, revision_fields.get(comment.answering_revision_id, set()), set(by_key)
            )
            if not keys and (comment.is_public or not public):
                report.undone.append(_asking(comment))
            for key in sorted(keys, key=list(by_key).index):
                if comment.is_public or not public:
                    by_key[key].comments.append(_asking(comment))
                else:
                    by_key[key].unpublished += 1
        result[draft.pk] = report
    return result
