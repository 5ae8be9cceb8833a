"""The consultation workflow: every step that touches more than one record, written once.

drafting --open_consultation--> consultation --begin_review--> review --publish--> published

Each function checks the actor's permission, locks the rows it changes, calls the guarded model
transition, and writes exactly one Transition row. A refused step raises a subclass of
``core.errors.WorkflowError`` whose message says why; nothing is changed. The admin, the
public form, management commands and tests all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from consult.delivery import notifications, webhooks
from consult.models import (
    Consultation,
    DraftOccupation,
    WebhookEvent,
    WindowExtension,
)
from consult.staff.roles import EDITORS

# The comment steps live in consult.workflow.moderation; callers reach every step through this
# module.
from consult.workflow.moderation import MODERATION_ACTIONS as MODERATION_ACTIONS
from consult.workflow.moderation import BulkResult as BulkResult
from consult.workflow.moderation import link_answering_revision as link_answering_revision
from consult.workflow.moderation import moderate_comments as moderate_comments
from consult.workflow.moderation import set_disposition as set_disposition
from consult.workflow.transitions import field_label
from consult.workflow.transitions import lock as _lock
from consult.workflow.transitions import run_transition as _transition
from consult.workflow.transitions import wrong_state as _wrong_state
from core.errors import InvalidTransition, WorkflowError, require_permission
from occupations import workflow as registry_workflow
from occupations.models import (
    OCCUPATION_CODE_RE,
    Authority,
    Batch,
    DatePrecision,
    Occupation,
    Release,
    Transition,
    precision_is_consistent,
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


@dataclass(frozen=True)
class PublicationProblem:
    """One thing that stops publication: the draft it is about (None: the list as a whole),
    what is wrong, and the role whose members must act (a ``consult.staff.roles.ROLES`` name)."""

    draft: DraftOccupation | None
    message: str
    role: str = EDITORS


def publication_problems(consultation: Consultation) -> list[PublicationProblem]:
    """Everything that stops publication, each naming its draft; empty when it may proceed.

    The admin's confirmation page shows this list; ``publish_consultation`` refuses with it.
    """
    problems: list[PublicationProblem] = []
    drafts = list(consultation.drafts.in_order())
    accepted = [d for d in drafts if d.status == DraftOccupation.Status.ACCEPTED]
    undecided = [
        d
        for d in drafts
        if d.status in {DraftOccupation.Status.DRAFT, DraftOccupation.Status.PROPOSED}
    ]
    if not accepted:
        problems.append(PublicationProblem(None, _("No draft has been accepted.")))
    for draft in undecided:
        problems.append(
            PublicationProblem(
                draft,
                _("“%(name)s” is neither accepted nor withdrawn.") % {"name": draft.name},
            )
        )
    seen: dict[str, DraftOccupation] = {}
    for draft in accepted:
        code = draft.proposed_code
        if not code:
            problems.append(
                PublicationProblem(draft, _("“%(name)s” has no code.") % {"name": draft.name})
            )
        elif not OCCUPATION_CODE_RE.match(code):
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” has the malformed code %(code)s (expected D-DD-DD-DD).")
                    % {"name": draft.name, "code": code},
                )
            )
        elif code in seen:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” has the code %(code)s, which “%(other)s” also has.")
                    % {"name": draft.name, "code": code, "other": seen[code].name},
                )
            )
        else:
            seen[code] = draft
    taken = dict(Occupation.objects.filter(code__in=seen).values_list("code", "name"))
    for code, existing in taken.items():
        problems.append(
            PublicationProblem(
                seen[code],
                _("“%(name)s” has the code %(code)s, already used by the published “%(other)s”.")
                % {"name": seen[code].name, "code": code, "other": existing},
            )
        )
    return problems


def publish_consultation(
    consultation: Consultation,
    *,
    by: Actor,
    now: dt.datetime,
    slug: str,
    title: str,
    announced_on: dt.date,
    announced_precision: str = DatePrecision.DAY,
    number: int | None = None,
    authorities: Sequence[Authority] = (),
    notes: str = "",
) -> Batch:
    """Publish the accepted drafts as a registry Batch, all or nothing.

    Requires ``consult.publish_consultation``, a consultation in review whose window has
    closed, every draft accepted or withdrawn, and a well-formed code unique in the registry for
    every accepted draft. Creates the Batch and one Occupation per accepted draft (in draft
    order), links each draft to what it became, marks the consultation published.
    """
    require_permission(by, "consult.publish_consultation", _("publish a consultation"))
    if announced_precision not in DatePrecision.values:
        raise InvalidTransition(
            _("Unknown date precision %(precision)r.") % {"precision": announced_precision},
            field="announced_precision",
        )
    if not precision_is_consistent(announced_on, announced_precision):
        raise InvalidTransition(
            _("A date known only to the month or year is given as its first day."),
            field="announced_on",
        )
    with transaction.atomic():
        # The row lock makes a second publisher wait here, then see "published" and stop.
        locked = _lock(Consultation, consultation.pk)
        if not can_proceed(locked.mark_published):
            raise _wrong_state(locked, "publish")
        problems = publication_problems(locked)
        if problems:
            raise InvalidTransition(
                _("Cannot publish: %(problems)s")
                % {"problems": " ".join(p.message for p in problems)}
            )
        if Batch.objects.filter(slug=slug).exists():
            raise InvalidTransition(
                _("A batch with the slug %(slug)s already exists.") % {"slug": slug},
                field="slug",
            )
        if number is not None and Batch.objects.filter(number=number).exists():
            raise InvalidTransition(
                _("A batch numbered %(number)s already exists.") % {"number": number},
                field="number",
            )
        batch = Batch.objects.create(
            slug=slug,
            title=title,
            number=number,
            announced_on=announced_on,
            announced_precision=announced_precision,
            notes=notes,
        )
        batch.authorities.set(authorities)
        accepted = locked.drafts.in_order().filter(status=DraftOccupation.Status.ACCEPTED)
        for position, draft in enumerate(accepted.select_for_update(), start=1):
            try:
                occupation = Occupation.objects.create(
                    batch=batch,
                    position=position,
                    code=draft.proposed_code,
                    name=draft.name,
                    alternative_names=draft.alternative_names,
                    language=draft.language,
                    translated_name=draft.translated_name,
                    translated_alternative_names=draft.translated_alternative_names,
                    definition=draft.definition,
                    tasks=draft.tasks,
                    job_types=draft.job_types,
                    green=draft.green,
                    digital=draft.digital,
                    group_id=draft.group_id,
                    sources=draft.sources,
                )
            except IntegrityError:
                # Another transaction took the code after publication_problems() looked.
                raise InvalidTransition(
                    _("“%(name)s”: the code %(code)s was taken while publishing.")
                    % {"name": draft.name, "code": draft.proposed_code}
                ) from None
            draft.occupation = occupation
            draft._change_reason = "Published"
            draft.save(update_fields=["occupation", "updated_at"])
        source, target = _transition(locked, "mark_published", batch=batch, now=now)
        locked.save()
        Transition.objects.record(
            locked,
            action="publish",
            source=source,
            target=target,
            by=by,
            at=now,
            note=_("Published as %(batch)s") % {"batch": batch.title},
        )
        webhooks.announce(
            WebhookEvent.BATCH_PUBLISHED, webhooks.batch_payload(batch, locked), now=now
        )
        notifications.report_published(locked, now=now)
    return batch


def issue_release(*, by: Actor, note: str, now: dt.datetime | None = None) -> Release:
    """Issue the next release of the registry (``occupations.workflow.issue_release``) and
    announce it to webhook endpoints (``release.issued``), both or neither."""
    now = now or timezone.now()
    with transaction.atomic():
        release = registry_workflow.issue_release(by=by, note=note, now=now)
        webhooks.announce(WebhookEvent.RELEASE_ISSUED, webhooks.release_payload(release), now=now)
    return release


# Drafts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftDecision:
    """What an editor decided for one draft on the "decide the drafts" table: ``decision`` is
    "" (leave its status), ``accept``, ``withdraw`` or ``reinstate``; ``code`` the proposed
    code to set (None: leave it)."""

    draft: DraftOccupation
    decision: str = ""
    code: str | None = None
    reason: str = ""
    public_explanation: str = ""


class DecisionRefused(InvalidTransition):
    """One row of ``decide_drafts`` was refused; ``draft`` says which."""

    def __init__(self, draft: DraftOccupation, error: WorkflowError) -> None:
        super().__init__(error.message, field=error.field)
        self.draft = draft


DECISIONS = ("accept", "withdraw", "reinstate")


def decide_drafts(
    consultation: Consultation, *, by: Actor, decisions: Sequence[DraftDecision]
) -> list[DraftOccupation]:
    """Apply an editor's decisions for several drafts of ``consultation``, all or nothing.

    Each decision sets the proposed code first (``revise_draft``) and then accepts, withdraws
    or reinstates the draft (each step with its own permission and Transition row). A refused
    row raises ``DecisionRefused`` naming its draft; nothing is changed. Returns the drafts
    that changed.
    """
    changed: list[DraftOccupation] = []
    with transaction.atomic():
        _lock(Consultation, consultation.pk)
        for decision in decisions:
            if decision.draft.consultation_id != consultation.pk:
                raise DecisionRefused(
                    decision.draft,
                    InvalidTransition(_("This draft belongs to another consultation.")),
                )
            try:
                if _decide(decision, by=by):
                    changed.append(decision.draft)
            except WorkflowError as exc:
                raise DecisionRefused(decision.draft, exc) from None
    return changed


def _decide(decision: DraftDecision, *, by: Actor) -> bool:
    draft = decision.draft
    touched = False
    if decision.decision not in ("", *DECISIONS):
        raise InvalidTransition(
            _("Unknown decision %(value)r.") % {"value": decision.decision}, field="decision"
        )
    if decision.code is not None and decision.decision != "withdraw":
        code = decision.code.strip()
        if code != draft.proposed_code:
            touched = bool(
                revise_draft(
                    draft, by=by, changes={"proposed_code": code}, note=_("Code set on review")
                )
            )
    if decision.decision == "accept":
        accept_draft(draft, by=by)
    elif decision.decision == "withdraw":
        withdraw_draft(
            draft,
            by=by,
            reason=decision.reason,
            public_explanation=decision.public_explanation,
        )
    elif decision.decision == "reinstate":
        reinstate_draft(draft, by=by)
    return touched or bool(decision.decision)


def revise_draft(
    draft: DraftOccupation,
    *,
    by: Actor,
    changes: dict,
    note: str = "",
    now: dt.datetime | None = None,
) -> list[str]:
    """Apply text changes to a draft while drafting or in review; history is kept.

    Returns the fields that changed (none: nothing is written). Requires
    ``consult.change_draftoccupation``.
    """
    require_permission(by, "consult.change_draftoccupation", _("revise a draft occupation"))
    with transaction.atomic():
        locked = (
            DraftOccupation.objects.select_for_update()
            .select_related("consultation")
            .get(pk=draft.pk)
        )
        changed = locked.revise(changes)
        if not changed:
            return []
        try:
            # "group" is validated too: an unknown group would otherwise only fail at commit.
            locked.full_clean(exclude=["consultation", "occupation", "status"])
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            raise InvalidTransition(
                f"{field_label(DraftOccupation, name)}: {' '.join(messages)}", field=name
            ) from None
        locked._change_reason = note or "Revised: " + ", ".join(changed)
        locked.save()
        Transition.objects.record(
            locked,
            action="revise",
            source=locked.status,
            target=locked.status,
            by=by,
            at=now,
            note=locked._change_reason,
        )
        _tell_if_ready(locked.consultation)
    return changed


def _tell_if_ready(consultation: Consultation) -> None:
    """Once every draft of a consultation in review is decided, its publishers are told
    (once: ``notifications.ready_to_publish``)."""
    if consultation.status == Consultation.Status.REVIEW and not publication_problems(consultation):
        notifications.ready_to_publish(consultation, now=timezone.now())


def _draft_step(
    draft: DraftOccupation,
    *,
    by: Actor,
    perm: str,
    action: str,
    method: str,
    note: str = "",
    **kwargs: Any,
) -> DraftOccupation:
    require_permission(by, perm, action.replace("_", " "))
    with transaction.atomic():
        locked = (
            DraftOccupation.objects.select_for_update()
            .select_related("consultation")
            .get(pk=draft.pk)
        )
        source, target = _transition(locked, method, **kwargs)
        locked._change_reason = note or action
        locked.save()
        Transition.objects.record(
            locked, action=action, source=source, target=target, by=by, note=note
        )
        _tell_if_ready(locked.consultation)
    return locked


def accept_draft(draft: DraftOccupation, *, by: Actor) -> DraftOccupation:
    """Accept a proposed draft for publication (review only). Requires
    ``consult.accept_draft``."""
    return _draft_step(
        draft, by=by, perm="consult.accept_draft", action="accept_draft", method="accept"
    )


def withdraw_draft(
    draft: DraftOccupation, *, by: Actor, reason: str, public_explanation: str = ""
) -> DraftOccupation:
    """Withdraw a draft (drafting or review) with ``reason``, an internal note for staff, and
    an optional ``public_explanation`` shown once the report is public. Requires
    ``consult.withdraw_draft``."""
    return _draft_step(
        draft,
        by=by,
        perm="consult.withdraw_draft",
        action="withdraw_draft",
        method="withdraw",
        note=reason.strip() if reason else "",
        reason=reason or "",
        public_explanation=public_explanation or "",
    )


def reinstate_draft(draft: DraftOccupation, *, by: Actor) -> DraftOccupation:
    """Bring a withdrawn draft back: as a draft while drafting, as proposed during review.
    Requires ``consult.withdraw_draft``."""
    return _draft_step(
        draft, by=by, perm="consult.withdraw_draft", action="reinstate_draft", method="reinstate"
    )
