"""Moderation of public comments and their dispositions."""

import datetime as dt

import pytest

from consult.models import (
    Comment,
    Consultation,
)
from consult.workflow.moderation import moderate_comments, set_disposition
from core.errors import InvalidTransition, NotPermitted, WorkflowError
from occupations.models import Transition
from tests.factories import CommentFactory, ConsultationFactory

pytestmark = pytest.mark.django_db

S = Consultation.Status
C = Comment.Status
UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def open_consultation(consultation_in):
    return consultation_in(S.CONSULTATION)


# Moderation --------------------------------------------------------------------------------

MODERATION = {
    # action: (target, states it is allowed from)
    "publish": (C.PUBLISHED, [C.RECEIVED, C.HIDDEN, C.SPAM]),
    "hide": (C.HIDDEN, [C.RECEIVED, C.PUBLISHED, C.SPAM]),
    "mark_spam": (C.SPAM, [C.RECEIVED, C.PUBLISHED, C.HIDDEN]),
}
ALLOWED = [(a, s) for a, (_, sources) in MODERATION.items() for s in sources]
REFUSED = [(a, target) for a, (target, _) in MODERATION.items()]


@pytest.mark.parametrize(("action", "source"), ALLOWED)
def test_moderation_moves_a_comment_and_logs_one_step(moderator, action, source):
    comment = CommentFactory(status=source)
    result = moderate_comments([comment], by=moderator, action=action)

    assert [c.pk for c in result.changed] == [comment.pk]
    assert result.refused == []
    comment.refresh_from_db()
    assert comment.status == MODERATION[action][0]
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == comment
    assert (step.action, step.source, step.target, step.actor) == (
        action,
        source,
        MODERATION[action][0],
        moderator,
    )


@pytest.mark.parametrize(("action", "source"), REFUSED)
def test_moderation_is_refused_from_the_state_it_leads_to(moderator, action, source):
    comment = CommentFactory(status=source)
    result = moderate_comments([comment], by=moderator, action=action)

    assert result.changed == []
    ((refused, reason),) = result.refused
    assert refused.pk == comment.pk
    assert "is not allowed from that state" in reason
    assert comment.tracking_number in reason
    comment.refresh_from_db()
    assert comment.status == source
    assert not Transition.objects.exists()


def test_publishing_a_comment_without_consent_keeps_it_private(moderator):
    """It is decided (it leaves the queue) but never published."""
    comment = CommentFactory(consent_to_publish=False)
    result = moderate_comments([comment], by=moderator, action="publish")

    assert result.changed == [] and result.refused == []
    assert [c.pk for c in result.kept_private] == [comment.pk]
    comment.refresh_from_db()
    assert comment.status == C.HIDDEN
    assert not Comment.objects.published().exists()
    assert not Comment.objects.awaiting_moderation().exists()
    (logged,) = Transition.objects.all()
    assert (logged.action, logged.target) == ("hide", "hidden")
    assert "did not consent" in logged.note


def test_a_hidden_comment_without_consent_is_never_published(moderator):
    comment = CommentFactory(consent_to_publish=False, status=C.HIDDEN)
    result = moderate_comments([comment], by=moderator, action="publish")
    ((_, reason),) = result.refused
    assert (
        reason
        == f"Comment {comment.tracking_number} cannot be published: its author did not consent."
    )
    comment.refresh_from_db()
    assert comment.status == C.HIDDEN


def test_a_bulk_moderation_changes_the_eligible_and_reports_the_rest(moderator):
    consenting = CommentFactory()
    silent = CommentFactory(consent_to_publish=False)
    spam = CommentFactory(status=C.SPAM, consent_to_publish=False)
    result = moderate_comments([consenting, silent, spam], by=moderator, action="publish")
    assert [c.pk for c in result.changed] == [consenting.pk]
    assert [c.pk for c in result.kept_private] == [silent.pk]
    assert [c.pk for c, _ in result.refused] == [spam.pk]
    assert list(Comment.objects.published()) == [Comment.objects.get(pk=consenting.pk)]
    assert Transition.objects.count() == 2


@pytest.mark.parametrize("action", list(MODERATION))
def test_moderation_is_refused_without_the_permission(editor, action):
    comment = CommentFactory()
    with pytest.raises(NotPermitted, match=r"consult\.moderate_comment"):
        moderate_comments([comment], by=editor, action=action)
    comment.refresh_from_db()
    assert comment.status == C.RECEIVED
    assert not Transition.objects.exists()


def test_an_unknown_moderation_action_is_refused(moderator):
    comment = CommentFactory()
    with pytest.raises(WorkflowError, match="Unknown moderation action 'delete'"):
        moderate_comments([comment], by=moderator, action="delete")
    comment.refresh_from_db()
    assert comment.status == C.RECEIVED


# Dispositions ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [C.RECEIVED, C.PUBLISHED, C.HIDDEN])
def test_a_disposition_and_reply_are_recorded(moderator, status, window):
    comment = CommentFactory(status=status)
    now = window[1] + dt.timedelta(days=3)
    result = set_disposition(
        [comment], by=moderator, disposition="partly_adopted", reply=" Task 2 reworded. ", now=now
    )
    assert [c.pk for c in result.changed] == [comment.pk]
    comment.refresh_from_db()
    assert (comment.disposition, comment.reply, comment.replied_at) == (
        "partly_adopted",
        "Task 2 reworded.",
        now,
    )
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == comment
    assert (step.action, step.source, step.target, step.note) == (
        "set_disposition",
        "pending",
        "partly_adopted",
        "Task 2 reworded.",
    )


def test_one_call_answers_a_whole_campaign(moderator, window):
    """Near copies (a name changed, a word swapped) are one campaign; its disposition reaches
    exactly its comments of that consultation, each written to the log once."""
    body = (
        "Please keep the old name of this occupation: all our members have used it for twenty "
        "years, and changing it would confuse {what} employers and training schools. {who}"
    )
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    campaign = [
        CommentFactory(consultation=consultation, body=body.format(who=who, what=what))
        for who, what in [("Li Hua", "many"), ("Wang Fang", "many"), ("Zhao Lei", "most")]
    ]
    other = CommentFactory(consultation=consultation, body="Something else.")
    elsewhere = CommentFactory(
        consultation=ConsultationFactory(status=Consultation.Status.CONSULTATION),
        body=campaign[0].body,
    )
    (group,) = Comment.objects.campaigns()
    assert (group["size"], group["cluster_id"]) == (3, campaign[0].pk)
    members = Comment.objects.of_campaign(group["cluster_id"])
    result = set_disposition(
        members, by=moderator, disposition="noted", reply="Noted.", now=window[1]
    )
    assert sorted(c.pk for c in result.changed) == sorted(c.pk for c in campaign)
    assert set(Comment.objects.values_list("disposition", flat=True)) == {"noted", "pending"}
    for comment in (other, elsewhere):
        comment.refresh_from_db()
        assert comment.disposition == "pending"
    logged = Transition.objects.filter(action="set_disposition")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(c.pk for c in campaign)


def test_a_spam_comment_gets_no_disposition(moderator, window):
    comment = CommentFactory(status=C.SPAM)
    result = set_disposition(
        [comment], by=moderator, disposition="adopted", reply="Thanks.", now=window[1]
    )
    assert result.changed == []
    ((_, reason),) = result.refused
    assert reason == f"Comment {comment.tracking_number} is spam; spam gets no disposition."
    comment.refresh_from_db()
    assert (comment.disposition, comment.reply) == ("pending", "")
    assert not Transition.objects.exists()


def test_an_unknown_disposition_is_refused(moderator, window):
    comment = CommentFactory()
    with pytest.raises(InvalidTransition, match="Unknown disposition 'maybe'"):
        set_disposition([comment], by=moderator, disposition="maybe", reply="", now=window[1])
    comment.refresh_from_db()
    assert comment.disposition == "pending"
    assert not Transition.objects.exists()


def test_recording_a_disposition_is_refused_without_the_permission(editor, window):
    comment = CommentFactory()
    with pytest.raises(NotPermitted, match=r"consult\.set_disposition"):
        set_disposition([comment], by=editor, disposition="adopted", reply="", now=window[1])
    comment.refresh_from_db()
    assert comment.disposition == "pending"
    assert not Transition.objects.exists()


def test_a_disposition_without_a_reply_has_no_reply_date(moderator, window):
    comment = CommentFactory()
    set_disposition([comment], by=moderator, disposition="noted", reply="", now=window[1])
    comment.refresh_from_db()
    assert (comment.disposition, comment.reply, comment.replied_at) == ("noted", "", None)
