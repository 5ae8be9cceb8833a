"""The consultation workflow: every step that touches more than one record, written once.

drafting --open_consultation--> consultation --begin_review--> review --publish--> published

Each function checks the actor's permission, locks the rows it changes, calls the guarded model
transition, and writes exactly one Transition row. A refused step raises a subclass of
``core.errors.WorkflowError`` whose message says why; nothing is changed. The admin, the
public form, management commands and tests all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from consult import webhooks
from consult.models import (
    Comment,
    Consultation,
    DraftOccupation,
    WebhookEvent,
    WindowExtension,
)
from core.errors import InvalidTransition, WorkflowError, require_permission
from occupations.models import (
    OCCUPATION_CODE_RE,
    Authority,
    Batch,
    DatePrecision,
    Occupation,
    Transition,
    precision_is_consistent,
)

if TYPE_CHECKING:
    from core.errors import Actor

# The rows a step locks before changing them.
Locked = TypeVar("Locked", Consultation, DraftOccupation, Comment)


def _transition(obj: Any, method_name: str, /, **kwargs: Any) -> tuple[str, str]:
    """Run a django-fsm transition method; return (source, target) of the status field.

    django-fsm's own refusal (wrong source state) is turned into an InvalidTransition that
    names the state, so that every refusal reads the same way.
    """
    source = obj.status
    try:
        getattr(obj, method_name)(**kwargs)
    except WorkflowError:
        raise
    except TransitionNotAllowed:
        raise _wrong_state(obj, method_name) from None
    return source, obj.status


def _wrong_state(obj: Any, method_name: str) -> InvalidTransition:
    return InvalidTransition(
        _("%(object)s is %(status)s; “%(step)s” is not allowed from that state.")
        % {
            "object": obj,
            "status": obj.get_status_display(),
            "step": method_name.replace("_", " "),
        }
    )


def _lock(model: type[Locked], pk: int) -> Locked:
    """Re-read a row under ``SELECT … FOR UPDATE``: the caller's copy may be stale, and two
    staff members may press the same button at once."""
    return model.objects.select_for_update().get(pk=pk)


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
    draft: DraftOccupation | None
    message: str


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
    return batch


# Drafts ------------------------------------------------------------------------------------


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
            raise InvalidTransition(f"{name}: {' '.join(messages)}", field=name) from None
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
    return changed


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


# Comments ----------------------------------------------------------------------------------


@dataclass
class BulkResult:
    changed: list[Comment] = field(default_factory=list)
    refused: list[tuple[Comment, str]] = field(default_factory=list)


MODERATION_ACTIONS = {"publish": "publish", "hide": "hide", "mark_spam": "mark_spam"}


def moderate_comments(comments: Iterable[Comment], *, by: Actor, action: str) -> BulkResult:
    """Publish, hide or mark as spam each comment; a comment that cannot take the step is
    reported in ``refused`` with the reason, the others change. Requires
    ``consult.moderate_comment``."""
    if action not in MODERATION_ACTIONS:
        raise InvalidTransition(_("Unknown moderation action %(a)r.") % {"a": action})
    require_permission(by, "consult.moderate_comment", _("moderate comments"))
    result = BulkResult()
    now = timezone.now()
    with transaction.atomic():
        pks = [c.pk for c in comments]
        for comment in Comment.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
            try:
                source, target = _transition(comment, MODERATION_ACTIONS[action])
            except WorkflowError as exc:
                result.refused.append((comment, exc.message))
                continue
            comment.save(update_fields=["status", "updated_at"])
            Transition.objects.record(
                comment, action=action, source=source, target=target, by=by, at=now
            )
            result.changed.append(comment)
    return result


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
            previous = comment.disposition
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
