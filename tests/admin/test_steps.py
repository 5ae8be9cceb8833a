"""The table of steps and the FSM decide the admin's buttons: every transition names its
permission, every step requires one that a role holds, and a button shows only where the
transition may be taken by that user."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from consult.admin.steps import STEPS, step_named
from consult.models import Comment, Consultation, DraftOccupation
from consult.staff.roles import ROLES
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import DraftDecision, decide_drafts
from tests.factories import SHANGHAI, CommentFactory, ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Consultation, DraftOccupation, Comment])
def test_every_transition_names_an_existing_permission(model):
    transitions = list(model._meta.get_field("status").get_all_transitions(model))
    assert transitions
    for transition in transitions:
        app_label, codename = transition.permission.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), transition.name


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.model.__name__}.{s.name}")
def test_every_step_requires_a_permission_that_a_role_holds(step):
    assert any(step.required_permission in perms for perms in ROLES.values())
    if step.transition:
        assert callable(getattr(step.model, step.transition))


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Consultation.Status.DRAFTING, ["open"]),
        (Consultation.Status.CONSULTATION, ["extend", "begin_review"]),
        (Consultation.Status.REVIEW, ["publish"]),
        (Consultation.Status.PUBLISHED, []),
    ],
)
def test_a_publisher_is_offered_the_steps_of_the_consultations_status(
    publisher, editor, status, offered
):
    consultation = ConsultationFactory.build(status=status)
    steps = [s.name for s in STEPS if s.model is Consultation]
    assert [
        s for s in steps if step_named(Consultation, s).is_allowed(consultation, publisher)
    ] == (offered)
    assert not any(step_named(Consultation, s).is_allowed(consultation, editor) for s in steps)


def test_a_moderator_is_offered_the_moderation_steps_away_from_the_status(moderator, editor):
    comment = CommentFactory(status=Comment.Status.HIDDEN)
    moderation = ["publish", "hide", "mark_spam"]
    assert [s for s in moderation if step_named(Comment, s).is_offered(comment, moderator)] == [
        "publish",
        "mark_spam",
    ]
    assert not any(step_named(Comment, s).is_offered(comment, editor) for s in moderation)


def test_a_step_the_workflow_would_refuse_now_is_held_back_with_its_reason(publisher, drafting):
    """The window of ``drafting`` closes on 17 July 2026: opening is offered before, and held
    back with the workflow's own reason after."""
    step = step_named(Consultation, "open")
    before = dt.datetime(2026, 6, 1, tzinfo=SHANGHAI)
    after = dt.datetime(2026, 7, 18, tzinfo=SHANGHAI)
    assert step.is_offered(drafting, publisher, before)
    assert step.held_back(drafting, publisher, before) is None
    assert not step.is_offered(drafting, publisher, after)
    assert step.held_back(drafting, publisher, after).message == (
        "The window's closing time has already passed."
    )


def test_publish_is_held_back_while_drafts_are_undecided(publisher, editor, drafting, superuser):
    before = dt.datetime(2026, 6, 1, tzinfo=SHANGHAI)
    after = dt.datetime(2026, 7, 18, tzinfo=SHANGHAI)
    open_consultation(drafting, by=superuser, now=before)
    begin_review(drafting, by=superuser, now=after)
    drafting.refresh_from_db()
    step = step_named(Consultation, "publish")
    assert not step.is_offered(drafting, publisher, after)
    assert "3 problems" in step.held_back(drafting, publisher, after).message
    assert step.held_back(drafting, editor, after) is None  # not the editor's step at all
    for draft in drafting.drafts.all():
        decide_drafts(
            drafting,
            by=editor,
            decisions=[
                DraftDecision(draft=draft, decision="accept", code=f"4-0{draft.position}-01-01")
            ],
        )
    assert step.is_offered(drafting, publisher, after)
