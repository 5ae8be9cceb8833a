"""The table of steps and the FSM decide the admin's buttons: every transition names its
permission, every step requires one that a role holds, and a button shows only where the
transition may be taken by that user."""

import pytest
from django.contrib.auth.models import Permission

from consult.admin.steps import STEPS, step_named
from consult.models import Comment, Consultation, DraftOccupation
from consult.roles import ROLES
from tests.factories import CommentFactory, ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Consultation, DraftOccupation, Comment])
def test_every_transition_names_an_existing_permission(model):
    for transition in model._meta.get_field("status").get_all_transitions(model):
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
        s for s in steps if step_named(Consultation, s).is_offered(consultation, publisher)
    ] == (offered)
    assert not any(step_named(Consultation, s).is_offered(consultation, editor) for s in steps)


def test_a_moderator_is_offered_the_moderation_steps_away_from_the_status(moderator, editor):
    comment = CommentFactory(status=Comment.Status.HIDDEN)
    moderation = ["publish", "hide", "mark_spam"]
    assert [s for s in moderation if step_named(Comment, s).is_offered(comment, moderator)] == [
        "publish",
        "mark_spam",
    ]
    assert not any(step_named(Comment, s).is_offered(comment, editor) for s in moderation)
