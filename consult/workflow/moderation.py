"""Moderation of comments: publish, hide or mark as spam, and dispositions with replies; each
comment locked, each change written to the Transition log, the author told of a reply when they
asked (``consult.delivery.notifications``). ``consult.workflow.consultations`` re-exports these
functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.delivery import notifications
from consult.models import Comment, DraftOccupation
from consult.workflow.transitions import run_transition as _transition
from core.errors import InvalidTransition, WorkflowError, require_permission
from occupations.models import Transition

if TYPE_CHECKING:
    from core.errors import Actor


@dataclass
class BulkResult:
    changed: list[Comment] = field(default_factory=list)
    refused: list[tuple[Comment, str]] = field(default_factory=list)
    # Comments a "publish" moderated without publishing: their authors did not consent.
    kept_private: list[Comment] = field(default_factory=list)


MODERATION_ACTIONS = {"publish": "publish", "hide": "hide", "mark_spam": "mark_spam"}


def moderate_comments(comments: Iterable[Comment], *, by: Actor, action: str) -> BulkResult:
    """Publish, hide or mark as spam each comment; a comment that cannot take the step is
    reported in ``refused`` with the reason, the others change. "Publish" on a comment not yet
    moderated whose author did not consent hides it instead (``kept_private``): it is decided
    and leaves the moderation queue, but is never shown. Requires
    ``consult.moderate_comment``."""
    if action not in MODERATION_ACTIONS:
        raise InvalidTransition(_("Unknown moderation action %(a)r.") % {"a": action})
    require_permission(by, "consult.moderate_comment", _("moderate comments"))
    result = BulkResult()
    now = timezone.now()
    with transaction.atomic():
        pks = [c.pk for c in comments]
        for comment in Comment.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
            private = _keeps_private(comment, action)
            try:
                source, target = _transition(
                    comment, "hide" if private else MODERATION_ACTIONS[action]
                )
            except WorkflowError as exc:
                result.refused.append((comment, exc.message))
                continue
            comment.save(update_fields=["status", "updated_at"])
            Transition.objects.record(
                comment,
                action="hide" if private else action,
                source=source,
                target=target,
                by=by,
                at=now,
                note=_("Kept private: its author did not consent to publication.")
                if private
                else "",
            )
            (result.kept_private if private else result.changed).append(comment)
    return result


def _keeps_private(comment: Comment, action: str) -> bool:
    return (
        action == "publish"
        and not comment.consent_to_publish
        and comment.status == Comment.Status.RECEIVED
    )


def set_disposition(
    comments: Iterable[Comment], *, by: Actor, disposition: str, reply: str, now: dt.datetime
) -> BulkResult:
    """Record what was done with each comment and the staff reply (a campaign takes one call).

    Requires ``consult.set_disposition``.
    """
    require_permission(by, "consult.set_disposition", _("record dispositions"))
    if disposition not in Comment.Disposition.values:
        raise InvalidTransition(
            _("Unknown disposition %(value)r.") % {"value": disposition}, field="disposition"
        )
    result = BulkResult()
    with transaction.atomic():
        pks = [c.pk for c in comments]
        for comment in Comment.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
            previous, previous_reply = comment.disposition, comment.reply
            try:
                comment.set_disposition(disposition=disposition, reply=reply, now=now)
            except WorkflowError as exc:
                result.refused.append((comment, exc.message))
                continue
            comment.save(
                update_fields=[
                    "disposition",
                    "reply",
                    "replied_at",
                    "answering_revision",
                    "updated_at",
                ]
            )
            if comment.reply and comment.reply != previous_reply:
                notifications.replied(comment, now=now)
            Transition.objects.record(
                comment,
                action="set_disposition",
                source=previous,
                target=disposition,
                by=by,
                at=now,
                note=comment.reply,
            )
            result.changed.append(comment)
    return result


def link_answering_revision(
    comment: Comment, *, by: Actor, revision_id: int | None, now: dt.datetime
) -> Comment:
    """Link an adopted or partly adopted comment to the draft revision (a history row's
    ``history_id``) that answers it, or unlink it with ``None``; written to the Transition log.

    Refused, naming the field, for a revision that does not exist, is of another draft, or
    predates the comment, and for a comment that is not adopted (``Comment.
    link_answering_revision``). Requires ``consult.set_disposition``.
    """
    require_permission(by, "consult.set_disposition", _("link comments to revisions"))
    revision = None
    if revision_id is not None:
        revision = DraftOccupation.history.filter(history_id=revision_id).first()
        if revision is None:
            raise InvalidTransition(
                _("There is no draft revision %(id)s.") % {"id": revision_id}, field="revision"
            )
    with transaction.atomic():
        # OF self: PostgreSQL locks no row of the nullable side of the join (the draft).
        locked = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("occupation")
            .get(pk=comment.pk)
        )
        previous = locked.answering_revision_id
        locked.link_answering_revision(revision)
        if locked.answering_revision_id == previous:
            return locked
        locked.save(update_fields=["answering_revision", "updated_at"])
        Transition.objects.record(
            locked,
            action="link_answering_revision",
            source=str(previous or ""),
            target=str(locked.answering_revision_id or ""),
            by=by,
            at=now,
            note=_("Answered by revision %(id)s") % {"id": revision_id}
            if revision_id is not None
            else _("Link to the answering revision removed"),
        )
    return locked
