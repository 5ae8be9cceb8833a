"""Publishing a consultation as a batch of the registry: what stops it
(``publication_problems``, shown on the admin's confirmation page) and the step itself
(``publish_consultation``), one transaction that creates the registry's records from the
accepted drafts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from consult.delivery import notifications, webhooks
from consult.models import Consultation, DraftOccupation, WebhookEvent
from consult.staff.roles import EDITORS
from consult.workflow.transitions import lock as _lock
from consult.workflow.transitions import run_transition as _transition
from consult.workflow.transitions import wrong_state as _wrong_state
from core.errors import InvalidTransition, require_permission
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


# Consultation ------------------------------------------------------------------------------


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
