"""The steps of draft occupations: revise the text (history kept), accept, withdraw with a
reason, reinstate, and the editor's "decide the drafts" table that applies several of these at
once, all or nothing. Once every draft of a consultation in review is decided, its publishers
are told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.delivery import notifications
from consult.models import Consultation, DraftOccupation
from consult.workflow.publication import publication_problems
from consult.workflow.similar import justification_error
from consult.workflow.transitions import field_label
from consult.workflow.transitions import lock as _lock
from consult.workflow.transitions import run_transition as _transition
from core.errors import InvalidTransition, WorkflowError, require_permission
from occupations.models import (
    Transition,
)

if TYPE_CHECKING:
    from core.errors import Actor


# Consultation ------------------------------------------------------------------------------


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
        if problem := justification_error(locked):
            raise InvalidTransition(
                " ".join(problem.message_dict["justification"]), field="justification"
            )
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
