"""Every workflow step the admin offers, in one table.

A row says what the admin needs to offer a step: its button, its form, the page that confirms it,
and the ``consult.workflow.consultations`` function it calls. Who may take a step, and from which
states, is not restated here: a step that moves a status names its FSM ``transition`` (whose
``permission=`` and source states decide the button, through ``has_transition_perm``); a step that
moves none (``extend_window``, ``revise``, ``set_disposition``) gives its ``permission`` and, where
the button is not always offered, ``offered``. The workflow function checks the permission again and
refuses with its reason; a new step or role is one row here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from consult.admin.forms import (
    ConfirmForm,
    ExtendWindowForm,
    PublishForm,
    ReviseDraftForm,
    WithdrawForm,
    batch_title_from,
    text_changes,
)
from consult.admin.handoffs import comments_needing_attention, comments_url, problem_rows
from consult.models import Comment, Consultation, DraftOccupation
from consult.workflow.consultations import begin_review, extend_window, open_consultation
from consult.workflow.drafts import accept_draft, reinstate_draft, revise_draft, withdraw_draft
from consult.workflow.moderation import moderate_comments, set_disposition
from consult.workflow.publication import publication_problems, publish_consultation
from core.errors import InvalidTransition, WorkflowError

# What a step's run returns: the message for the user, with its level.
Outcome = tuple[str, int]


def _nothing(obj: Any) -> dict:
    return {}


def _always(obj: Any) -> bool:
    return True


def _no_refusal(obj: Any, now: dt.datetime) -> WorkflowError | None:
    return None


@dataclass(frozen=True)
class Step:
    """One workflow step as the admin offers it (see the module docstring)."""

    model: type[models.Model]
    name: str  # the admin URL is named consult_<model name>_<name>
    label: str  # the button on the change form
    action: str  # what the step does, as a refusal names it ("open a consultation")
    function: Callable | None = None  # the workflow function, as the bulk actions call it
    run: Callable[..., Outcome] | None = None  # run(obj, form, by): the page's call of it
    transition: str = ""  # the FSM transition of a step that moves a status
    permission: str = ""  # the permission of a step that moves no status
    offered: Callable[[Any], bool] = _always  # a step that moves no status: when it is offered
    # Why the step would be refused now beyond state and permission (None: it would succeed):
    # the button is offered only when there is none, and the change form says why instead.
    refusal: Callable[[Any, dt.datetime], WorkflowError | None] = _no_refusal
    path: str = ""  # the confirmation page's URL segment; none: the step has no such page
    title: str = ""  # the page's title: %(step)s the action, %(title)s / %(name)s the object
    template: str = ""  # admin/consult/<model name>/<template>: what the page shows first
    form: type[forms.BaseForm] = ConfirmForm
    form_kwargs: Callable[[Any], dict] = _nothing  # the form's instance or initial data
    context: Callable[[Any], dict] = _nothing  # what the template shows besides the form
    changelist_action: str = ""  # offered on the changelist for one selected object
    reauthenticate: bool = False  # a grave step: asks for a recent sign-in (staff.reauth)
    done: str = ""  # what a changed object became, in the bulk actions' messages

    @property
    def required_permission(self) -> str:
        """The permission the step requires: its transition's ``permission=``, or its own."""
        if not self.transition:
            return self.permission
        field = self.model._meta.get_field("status")
        (permission,) = {
            t.permission for t in field.get_all_transitions(self.model) if t.name == self.transition
        }
        return permission

    def is_allowed(self, obj: models.Model, user) -> bool:
        """Whether ``user`` may take this step from ``obj``'s current state (the FSM's source
        states and ``permission=``; a step that moves no status: ``offered``)."""
        if self.transition:
            return has_transition_perm(getattr(obj, self.transition), user)
        return user.has_perm(self.permission) and self.offered(obj)

    def is_offered(self, obj: models.Model, user, now: dt.datetime | None = None) -> bool:
        """Whether ``user`` sees this step's button for ``obj``: allowed and, at ``now``,
        nothing else refuses it."""
        now = now or timezone.now()
        return self.is_allowed(obj, user) and self.refusal(obj, now) is None

    def held_back(self, obj: models.Model, user, now: dt.datetime) -> WorkflowError | None:
        """The refusal that keeps an allowed step's button away (None: none does)."""
        if not self.is_allowed(obj, user):
            return None
        return self.refusal(obj, now)


def steps_of(model: type[models.Model]) -> list[Step]:
    return [step for step in STEPS if step.model is model]


def step_named(model: type[models.Model], name: str) -> Step:
    (step,) = [step for step in STEPS if step.model is model and step.name == name]
    return step


# Consultations -------------------------------------------------------------------------------


def _open(consultation: Consultation, form, by) -> Outcome:
    open_consultation(consultation, by=by, now=timezone.now())
    message = gettext("“%(title)s” is open for public consultation.")
    return message % {"title": consultation.title}, messages.SUCCESS


def _open_context(consultation: Consultation) -> dict:
    drafts = list(consultation.drafts.in_order())
    return {
        "to_freeze": [d for d in drafts if d.status == DraftOccupation.Status.DRAFT],
        "withdrawn": [d for d in drafts if d.status == DraftOccupation.Status.WITHDRAWN],
    }


def _extend(consultation: Consultation, form, by) -> Outcome:
    data = form.cleaned_data
    extend_window(
        consultation,
        by=by,
        now=timezone.now(),
        closes_at=data["closes_at"],
        reason=data["reason"],
    )
    message = gettext("Comments on “%(title)s” now close at %(at)s.") % {
        "title": consultation.title,
        "at": timezone.localtime(data["closes_at"]).strftime("%Y-%m-%d %H:%M:%S"),
    }
    return message, messages.SUCCESS


def _begin_review(consultation: Consultation, form, by) -> Outcome:
    begin_review(consultation, by=by, now=timezone.now())
    message = gettext("The review of “%(title)s” has begun.")
    return message % {"title": consultation.title}, messages.SUCCESS


def _begin_review_context(consultation: Consultation) -> dict:
    counts = consultation.comments.not_spam().aggregate(
        total=Count("pk"),
        received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
    )
    return {"comment_counts": counts}


def _publish(consultation: Consultation, form, by) -> Outcome:
    data = form.cleaned_data
    batch = publish_consultation(
        consultation,
        by=by,
        now=timezone.now(),
        slug=data["slug"],
        title=data["title"],
        number=data["number"],
        announced_on=data["announced_on"],
        announced_precision=data["announced_precision"],
        authorities=list(data["authorities"]),
        notes=data["notes"],
    )
    n = batch.occupations.count()
    message = ngettext(
        "Published as “%(batch)s” with %(n)s occupation.",
        "Published as “%(batch)s” with %(n)s occupations.",
        n,
    )
    return message % {"batch": batch.title, "n": n}, messages.SUCCESS


def _publish_refusal(consultation: Consultation, now: dt.datetime) -> WorkflowError | None:
    if refusal := consultation.publish_refusal(now):
        return refusal
    problems = publication_problems(consultation)
    if problems:
        return InvalidTransition(
            ngettext(
                "Publication waits for %(n)s problem to be solved (see “Who acts next”).",
                "Publication waits for %(n)s problems to be solved (see “Who acts next”).",
                len(problems),
            )
            % {"n": len(problems)}
        )
    return None


def _publish_context(consultation: Consultation) -> dict:
    drafts = list(consultation.drafts.in_order())
    undecided = {DraftOccupation.Status.DRAFT, DraftOccupation.Status.PROPOSED}
    return {
        "accepted": [d for d in drafts if d.status == DraftOccupation.Status.ACCEPTED],
        "withdrawn": [d for d in drafts if d.status == DraftOccupation.Status.WITHDRAWN],
        "undecided": [d for d in drafts if d.status in undecided],
        "problems": problem_rows(consultation),
        "attention": comments_needing_attention(consultation),
        "unmoderated_url": comments_url(consultation, status__exact="received"),
        "undecided_url": comments_url(consultation, disposition__exact="pending"),
    }


# Drafts --------------------------------------------------------------------------------------


def _revise(draft: DraftOccupation, form, by) -> Outcome:
    changed = revise_draft(draft, by=by, changes=text_changes(form), note=form.cleaned_data["note"])
    if not changed:
        return gettext("Nothing changed."), messages.INFO
    return gettext("Revised: %(fields)s.") % {"fields": ", ".join(changed)}, messages.SUCCESS


def _accept(draft: DraftOccupation, form, by) -> Outcome:
    accept_draft(draft, by=by)
    return gettext("“%(name)s” is accepted for publication.") % {"name": draft.name}, (
        messages.SUCCESS
    )


def _withdraw(draft: DraftOccupation, form, by) -> Outcome:
    withdraw_draft(
        draft,
        by=by,
        reason=form.cleaned_data["reason"],
        public_explanation=form.cleaned_data["public_explanation"],
    )
    return gettext("“%(name)s” is withdrawn.") % {"name": draft.name}, messages.SUCCESS


def _reinstate(draft: DraftOccupation, form, by) -> Outcome:
    reinstated = reinstate_draft(draft, by=by)
    message = gettext("“%(name)s” is reinstated as %(status)s.") % {
        "name": reinstated.name,
        "status": reinstated.get_status_display(),
    }
    return message, messages.SUCCESS


# The table -----------------------------------------------------------------------------------

CONSULTATION_TITLE = _("%(step)s: %(title)s")

STEPS = [
    Step(
        Consultation,
        "open",
        label=_("Open consultation…"),
        action=_("open a consultation"),
        transition="open_consultation",
        refusal=lambda consultation, now: consultation.open_refusal(now),
        run=_open,
        path="open",
        title=CONSULTATION_TITLE,
        template="open.html",
        context=_open_context,
        changelist_action=_("Open the selected consultation…"),
    ),
    Step(
        Consultation,
        "extend",
        label=_("Extend window…"),
        action=_("extend a comment window"),
        permission="consult.extend_window",
        offered=lambda consultation: consultation.status == Consultation.Status.CONSULTATION,
        refusal=lambda consultation, now: (
            InvalidTransition(gettext("The window has already closed; it cannot be extended."))
            if consultation.state(now) == Consultation.State.CLOSED
            else None
        ),
        run=_extend,
        path="extend",
        title=CONSULTATION_TITLE,
        template="extend.html",
        form=ExtendWindowForm,
        form_kwargs=lambda consultation: {
            "initial": {"closes_at": timezone.localtime(consultation.closes_at)}
        },
        context=lambda consultation: {"extensions": list(consultation.extensions.all())},
        changelist_action=_("Extend the window of the selected consultation…"),
    ),
    Step(
        Consultation,
        "begin_review",
        label=_("Begin review…"),
        action=_("begin a review"),
        transition="begin_review",
        refusal=lambda consultation, now: consultation.begin_review_refusal(now),
        run=_begin_review,
        path="begin-review",
        title=CONSULTATION_TITLE,
        template="begin_review.html",
        context=_begin_review_context,
        changelist_action=_("Begin the review of the selected consultation…"),
    ),
    Step(
        Consultation,
        "publish",
        label=_("Publish…"),
        action=_("publish a consultation"),
        transition="mark_published",
        refusal=_publish_refusal,
        run=_publish,
        path="publish",
        title=CONSULTATION_TITLE,
        template="publish.html",
        form=PublishForm,
        form_kwargs=lambda consultation: {
            "initial": {
                "slug": consultation.slug,
                "title": batch_title_from(consultation.title),
                "announced_on": timezone.localdate(),
            },
            "attention": comments_needing_attention(consultation),
        },
        context=_publish_context,
        changelist_action=_("Publish the selected consultation…"),
        reauthenticate=True,
    ),
    Step(
        DraftOccupation,
        "revise",
        label=_("Revise text…"),
        action=_("revise a draft occupation"),
        permission="consult.change_draftoccupation",
        offered=lambda draft: draft.status != DraftOccupation.Status.WITHDRAWN,
        refusal=lambda draft, now: draft.revise_refusal(),
        run=_revise,
        path="revise",
        title=_("Revise “%(name)s”"),
        template="revise.html",
        form=ReviseDraftForm,
        form_kwargs=lambda draft: {"instance": draft},
    ),
    Step(
        DraftOccupation,
        "accept",
        label=_("Accept…"),
        action=_("accept a draft"),
        transition="accept",
        refusal=lambda draft, now: draft.accept_refusal(),
        function=accept_draft,
        run=_accept,
        path="accept",
        title=_("Accept “%(name)s”"),
        template="accept.html",
        done=_("accepted"),
    ),
    Step(
        DraftOccupation,
        "withdraw",
        label=_("Withdraw…"),
        action=_("withdraw a draft"),
        transition="withdraw",
        refusal=lambda draft, now: draft.withdraw_refusal(),
        function=withdraw_draft,
        run=_withdraw,
        path="withdraw",
        title=_("Withdraw “%(name)s”"),
        template="withdraw.html",
        form=WithdrawForm,
        done=_("withdrawn"),
    ),
    Step(
        DraftOccupation,
        "reinstate",
        label=_("Reinstate…"),
        action=_("reinstate a draft"),
        transition="reinstate",
        refusal=lambda draft, now: draft.reinstate_refusal(),
        function=reinstate_draft,
        run=_reinstate,
        path="reinstate",
        title=_("Reinstate “%(name)s”"),
        template="reinstate.html",
        done=_("reinstated"),
    ),
    # A comment's moderation buttons post straight to moderate_comments: no page.
    Step(
        Comment,
        "publish",
        label=_("Publish"),
        action=_("moderate comments"),
        transition="publish",
        function=moderate_comments,
        done=_("published"),
    ),
    Step(
        Comment,
        "hide",
        label=_("Hide"),
        action=_("moderate comments"),
        transition="hide",
        function=moderate_comments,
        done=_("hidden"),
    ),
    Step(
        Comment,
        "mark_spam",
        label=_("Mark as spam"),
        action=_("moderate comments"),
        transition="mark_spam",
        function=moderate_comments,
        done=_("marked as spam"),
    ),
    # The change form, the bulk action and the campaign page record it (set_disposition).
    Step(
        Comment,
        "set_disposition",
        label=_("Set a disposition"),
        action=_("record dispositions"),
        permission="consult.set_disposition",
        function=set_disposition,
        done=_("given a disposition"),
    ),
]
