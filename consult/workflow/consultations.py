"""A consultation's own steps: open it to the public, extend its window, begin its review.

drafting --open_consultation--> consultation --begin_review--> review --publish--> published

Each step checks the actor's permission, locks the consultation, calls its guarded transition
and writes one Transition row; a refused step raises a ``core.errors.WorkflowError`` saying
why and changes nothing. Publication is ``consult.workflow.publication``; the drafts' steps are
``consult.workflow.drafts`` and the comments' ``consult.workflow.moderation``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.delivery import notifications, webhooks
from consult.models import Consultation, DraftOccupation, WebhookEvent, WindowExtension
from consult.workflow.publication import publication_problems
from consult.workflow.transitions import lock as _lock
from consult.workflow.transitions import run_transition as _transition
from core.errors import InvalidTransition, require_permission
from occupations.models import (
    Transition,
)

if TYPE_CHECKING:
    from core.errors import Actor


# Consultation ------------------------------------------------------------------------------


def open_consultation(consultation: Consultation, *, by: Actor, now: dt.datetime) -> Consultation:
    """Open the draft list to the public: requires a future window and at least one draft.

    Freezes the text of every active draft (``DraftOccupation.consulted_text``) and makes it
    ``proposed``. Requires ``consult.open_consultation``.
    """
    require_permission(by, "consult.open_consultation", _("open a consultation"))
    with transaction.atomic():
        locked = _lock(Consultation, consultation.pk)
        source, target = _transition(locked, "open_consultation", now=now)
        locked.save()
        for draft in locked.drafts.select_for_update().filter(status=DraftOccupation.Status.DRAFT):
            draft.propose()
            draft._change_reason = "Text frozen for public consultation"
            draft.save()
        Transition.objects.record(
            locked, action="open_consultation", source=source, target=target, by=by, at=now
        )
        webhooks.announce(
            WebhookEvent.CONSULTATION_OPENED, webhooks.consultation_payload(locked), now=now
        )
    return locked


def extend_window(
    consultation: Consultation,
    *,
    by: Actor,
    now: dt.datetime,
    closes_at: dt.datetime,
    reason: str,
) -> Consultation:
    """Move ``closes_at`` later before the window has closed; the extension is kept.

    Requires ``consult.extend_window`` and a reason.
    """
    require_permission(by, "consult.extend_window", _("extend a comment window"))
    if not reason or not reason.strip():
        raise InvalidTransition(_("Give a reason for the extension."), field="reason")
    if timezone.is_naive(closes_at):
        raise InvalidTransition(_("The new closing time needs a time zone."), field="closes_at")
    with transaction.atomic():
        locked = _lock(Consultation, consultation.pk)
        # Set once the consultation is public (consultation_window_set_once_public), which
        # extend_window requires.
        previous = cast(dt.datetime, locked.closes_at)
        locked.extend_window(now=now, closes_at=closes_at)
        locked.save(update_fields=["closes_at", "updated_at"])
        WindowExtension.objects.create(
            consultation=locked,
            previous_closes_at=previous,
            new_closes_at=closes_at,
            reason=reason.strip(),
            by=by,
            at=now,
        )
        Transition.objects.record(
            locked,
            action="extend_window",
            source=locked.status,
            target=locked.status,
            by=by,
            at=now,
            note=_("Closing time moved from %(old)s to %(new)s: %(reason)s")
            % {
                "old": timezone.localtime(previous).isoformat(),
                "new": timezone.localtime(closes_at).isoformat(),
                "reason": reason.strip(),
            },
        )
    return locked


def begin_review(consultation: Consultation, *, by: Actor, now: dt.datetime) -> Consultation:
    """Move a consultation whose window has closed into review.

    ``by`` is a user holding ``consult.begin_review``, or None when the scheduled command
    (``manage.py begin_due_reviews``) acts on its own.
    """
    if by is not None:
        require_permission(by, "consult.begin_review", _("begin a review"))
    with transaction.atomic():
        locked = _lock(Consultation, consultation.pk)
        source, target = _transition(locked, "begin_review", now=now)
        locked.save()
        Transition.objects.record(
            locked,
            action="begin_review",
            source=source,
            target=target,
            by=by,
            at=now,
            note="" if by is not None else _("Begun by the scheduled command."),
        )
        webhooks.announce(
            WebhookEvent.CONSULTATION_CLOSED, webhooks.consultation_payload(locked), now=now
        )
        notifications.review_begun(locked, now=now, problems=publication_problems(locked))
    return locked


def begin_due_reviews(*, now: dt.datetime) -> list[Consultation]:
    """Begin the review of every consultation whose window has closed (for cron)."""
    started = []
    for consultation in Consultation.objects.awaiting_review(now):
        try:
            started.append(begin_review(consultation, by=None, now=now))
        except InvalidTransition:
            continue  # moved on by staff between the query and the lock
    return started
