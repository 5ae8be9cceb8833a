"""Public comments: the window decides by the clock alone; moderation and dispositions."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from consult import workflow
from consult.models import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_BODY_MAX_LENGTH,
    TRACKING_NUMBER_PATTERN,
    Comment,
    Consultation,
    comment_fingerprint,
)
from core.clients import hash_ip
from core.errors import InvalidTransition, NotPermitted, WorkflowError
from occupations.models import Transition
from tests.factories import SHANGHAI, CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

S = Consultation.Status
C = Comment.Status
UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def open_consultation(consultation_in):
    return consultation_in(S.CONSULTATION)


def _comment(consultation, now, **kwargs):
    kwargs.setdefault("body", "The definition should mention electrolysis.")
    return workflow.submit_comment(consultation, now=now, **kwargs)


# The window --------------------------------------------------------------------------------


def test_a_comment_at_the_closing_second_is_accepted(open_consultation, window):
    comment = _comment(open_consultation, window[1])
    assert Comment.objects.get() == comment
    assert comment.submitted_at == window[1]
    assert comment.status == C.RECEIVED


def test_a_comment_one_second_after_the_close_is_refused(open_consultation, window):
    with pytest.raises(InvalidTransition, match="not accepting comments now"):
        _comment(open_consultation, window[1] + SECOND)
    assert not Comment.objects.exists()


def test_a_comment_at_the_opening_second_is_accepted(open_consultation, window):
    assert _comment(open_consultation, window[0]).submitted_at == window[0]


def test_a_comment_one_second_before_the_opening_is_refused(open_consultation, window):
    with pytest.raises(InvalidTransition, match="not accepting comments now"):
        _comment(open_consultation, window[0] - SECOND)
    assert not Comment.objects.exists()


def test_through_july_17_is_stored_as_the_last_second_of_that_day_in_shanghai(
    open_consultation,
):
    """ "Through 17 July" closes at 23:59:59 Shanghai time, which is 15:59:59 UTC."""
    open_consultation.refresh_from_db()
    closes = open_consultation.closes_at
    assert closes == dt.datetime(2026, 7, 17, 15, 59, 59, tzinfo=UTC)
    local = timezone.localtime(closes)
    assert (local.date(), local.time()) == (dt.date(2026, 7, 17), dt.time(23, 59, 59))


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        (dt.datetime(2026, 7, 17, 15, 59, 59, tzinfo=UTC), True),
        (dt.datetime(2026, 7, 17, 16, 0, 0, tzinfo=UTC), False),
        # 20:00 UTC is still 17 July in London but already 18 July 04:00 in Shanghai.
        (dt.datetime(2026, 7, 17, 20, 0, 0, tzinfo=UTC), False),
        (dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 6, 16, 15, 59, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 6, 16, 16, 0, 0, tzinfo=UTC), True),
    ],
)
def test_the_window_is_compared_as_instants_whatever_the_offset(open_consultation, now, accepted):
    """A UTC-expressed ``now`` is judged against the Shanghai window as the same instant."""
    open_consultation.refresh_from_db()
    assert open_consultation.is_open_for_comments(now) is accepted
    assert (open_consultation.state(now) == "open") is accepted
    if accepted:
        assert _comment(open_consultation, now).submitted_at == now
    else:
        with pytest.raises(InvalidTransition):
            _comment(open_consultation, now)
        assert not Comment.objects.exists()


def test_the_state_follows_the_clock(open_consultation, window):
    assert open_consultation.state(window[0] - SECOND) == "scheduled"
    assert open_consultation.state(window[0]) == "open"
    assert open_consultation.state(window[1]) == "open"
    assert open_consultation.state(window[1] + SECOND) == "closed"
    assert open_consultation.time_left(window[1] - dt.timedelta(hours=2)) == dt.timedelta(hours=2)
    assert open_consultation.time_left(window[1] + SECOND) is None


def test_a_drafting_consultation_has_no_public_state_and_takes_no_comments(consultation_in, window):
    drafting = consultation_in(S.DRAFTING)
    assert drafting.state(window[0]) is None
    with pytest.raises(InvalidTransition, match="not accepting comments"):
        _comment(drafting, window[0])
    assert not Comment.objects.exists()


def test_whether_comments_are_accepted_depends_on_the_clock_not_the_status(consultation_in, window):
    """begin_review refuses to run before the close, so a consultation in review with its
    window still open exists only if forced through the constructor. Such a consultation
    still accepts comments until ``closes_at``: the clock decides, the status does not."""
    forced = consultation_in(S.REVIEW)
    assert forced.is_open_for_comments(window[1])
    assert _comment(forced, window[1]).consultation == forced
    with pytest.raises(InvalidTransition):
        _comment(forced, window[1] + SECOND)


def test_an_extension_moves_the_boundary(open_consultation, publisher, window):
    later = dt.datetime(2026, 7, 24, 23, 59, 59, tzinfo=SHANGHAI)
    workflow.extend_window(
        open_consultation, by=publisher, now=window[0], closes_at=later, reason="More time."
    )
    open_consultation.refresh_from_db()
    assert _comment(open_consultation, later).submitted_at == later
    with pytest.raises(InvalidTransition):
        _comment(open_consultation, later + SECOND)


# What is stored ----------------------------------------------------------------------------


def test_a_comment_on_one_task_keeps_its_target_and_a_receipt_number(
    open_consultation, window, settings
):
    settings.IP_HASH_SALT = "pepper"
    draft = open_consultation.drafts.get(position=1)
    comment = _comment(
        open_consultation,
        window[0],
        occupation=draft,
        field="task",
        task_number=2,
        body="Record readings  HOURLY!",
        proposed_text="Record readings every hour.",
        name="Li Hua",
        organisation="Hydrogen Association",
        email="li@example.org",
        consent_to_publish=True,
        ip="203.0.113.7",
    )
    comment.refresh_from_db()
    assert comment.target_display == "Hydrogen producer — task 2"
    assert comment.fingerprint == comment_fingerprint("record readings hourly")
    assert comment.ip_hash == hash_ip("203.0.113.7")
    assert "203.0.113.7" not in comment.ip_hash
    assert re.fullmatch(TRACKING_NUMBER_PATTERN, comment.tracking_number)
    assert comment.get_absolute_url().endswith(f"/comments/{comment.tracking_number}/")


def test_a_tracking_number_clash_is_settled_with_a_fresh_number(
    open_consultation, window, monkeypatch
):
    taken = _comment(open_consultation, window[0]).tracking_number
    numbers = iter([taken, "7KQ4-M2XD-93TR"])
    monkeypatch.setattr(workflow, "new_tracking_number", lambda: next(numbers))

    comment = _comment(open_consultation, window[0], body="A second comment.")

    assert comment.tracking_number == "7KQ4-M2XD-93TR"
    assert Comment.objects.count() == 2


def test_a_receipt_is_emailed_after_commit_when_an_address_is_given(
    open_consultation, window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = _comment(open_consultation, window[0], email="li@example.org")
        _comment(open_consultation, window[0], body="No address given.")
    (message,) = mail.outbox
    assert message.to == ["li@example.org"]
    assert comment.tracking_number in message.subject


def test_attachments_are_stored_under_a_random_name(open_consultation, window):
    upload = workflow.UploadedAttachment(
        name="my letter.pdf",
        content_type="application/pdf",
        file=ContentFile(b"%PDF-1.4 letter"),
        size=15,
    )
    comment = _comment(open_consultation, window[0], attachments=[upload])
    (attachment,) = comment.attachments.all()
    assert attachment.original_name == "my letter.pdf"
    assert "my letter" not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    assert attachment.file.read() == b"%PDF-1.4 letter"


def test_a_comment_on_another_consultations_occupation_is_refused(open_consultation, window):
    stranger = DraftOccupationFactory(consultation=ConsultationFactory())
    with pytest.raises(InvalidTransition, match="not in this consultation") as exc:
        _comment(open_consultation, window[0], occupation=stranger)
    assert exc.value.field == "occupation"
    assert not Comment.objects.exists()


def test_a_field_without_an_occupation_is_refused(open_consultation, window):
    with pytest.raises(InvalidTransition, match="Choose an occupation") as exc:
        _comment(open_consultation, window[0], field="name")
    assert exc.value.field == "field"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"body": ""}, "body", "Write a comment"),
        ({"body": "   "}, "body", "Write a comment"),
        ({"body": "x" * (COMMENT_BODY_MAX_LENGTH + 1)}, "body", "at most 5000 characters"),
        ({"field": "colour"}, "field", "Unknown field"),
        ({"field": "task"}, "task_number", "Say which task"),
        ({"field": "task", "task_number": 0}, "task_number", "Say which task"),
        ({"field": "task", "task_number": 3}, "task_number", "has 2 main tasks"),
    ],
)
def test_data_the_database_would_refuse_is_refused_with_a_reason(
    open_consultation, window, kwargs, field, message
):
    """The form checks these first; the workflow checks again and says why, rather than
    letting the database raise."""
    draft = open_consultation.drafts.get(position=1)
    if "field" in kwargs:
        kwargs["occupation"] = draft
    with pytest.raises(InvalidTransition, match=message) as exc:
        _comment(open_consultation, window[0], **kwargs)
    assert exc.value.field == field
    assert not Comment.objects.exists()


def test_a_body_of_exactly_5000_characters_is_accepted(open_consultation, window):
    comment = _comment(open_consultation, window[0], body="字" * COMMENT_BODY_MAX_LENGTH)
    assert len(Comment.objects.get(pk=comment.pk).body) == COMMENT_BODY_MAX_LENGTH


def _upload(size: int, name: str = "a.txt") -> workflow.UploadedAttachment:
    return workflow.UploadedAttachment(
        name=name, content_type="text/plain", file=ContentFile(b"x"), size=size
    )


def test_too_many_or_too_large_attachments_are_refused(open_consultation, window):
    with pytest.raises(InvalidTransition, match="at most 3 files") as exc:
        _comment(open_consultation, window[0], attachments=[_upload(1) for _ in range(4)])
    assert exc.value.field == "attachments"
    with pytest.raises(InvalidTransition, match=r"big\.txt is larger than 10 MB"):
        _comment(
            open_consultation,
            window[0],
            attachments=[_upload(ATTACHMENT_MAX_BYTES + 1, "big.txt")],
        )
    assert not Comment.objects.exists()


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
    result = workflow.moderate_comments([comment], by=moderator, action=action)

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
    result = workflow.moderate_comments([comment], by=moderator, action=action)

    assert result.changed == []
    ((refused, reason),) = result.refused
    assert refused.pk == comment.pk
    assert "is not allowed from that state" in reason
    assert comment.tracking_number in reason
    comment.refresh_from_db()
    assert comment.status == source
    assert not Transition.objects.exists()


def test_publishing_a_comment_without_consent_is_refused(moderator):
    comment = CommentFactory(consent_to_publish=False)
    result = workflow.moderate_comments([comment], by=moderator, action="publish")

    assert result.changed == []
    ((_, reason),) = result.refused
    assert (
        reason
        == f"Comment {comment.tracking_number} cannot be published: its author did not consent."
    )
    comment.refresh_from_db()
    assert comment.status == C.RECEIVED
    assert not Comment.objects.published().exists()
    assert not Transition.objects.exists()


def test_a_bulk_moderation_changes_the_eligible_and_reports_the_rest(moderator):
    consenting = CommentFactory()
    silent = CommentFactory(consent_to_publish=False)
    result = workflow.moderate_comments([consenting, silent], by=moderator, action="publish")
    assert [c.pk for c in result.changed] == [consenting.pk]
    assert [c.pk for c, _ in result.refused] == [silent.pk]
    assert list(Comment.objects.published()) == [Comment.objects.get(pk=consenting.pk)]
    assert Transition.objects.count() == 1


@pytest.mark.parametrize("action", list(MODERATION))
def test_moderation_is_refused_without_the_permission(editor, action):
    comment = CommentFactory()
    with pytest.raises(NotPermitted, match=r"consult\.moderate_comment"):
        workflow.moderate_comments([comment], by=editor, action=action)
    comment.refresh_from_db()
    assert comment.status == C.RECEIVED
    assert not Transition.objects.exists()


def test_an_unknown_moderation_action_is_refused(moderator):
    comment = CommentFactory()
    with pytest.raises(WorkflowError, match="Unknown moderation action 'delete'"):
        workflow.moderate_comments([comment], by=moderator, action="delete")
    comment.refresh_from_db()
    assert comment.status == C.RECEIVED


# Dispositions ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [C.RECEIVED, C.PUBLISHED, C.HIDDEN])
def test_a_disposition_and_reply_are_recorded(moderator, status, window):
    comment = CommentFactory(status=status)
    now = window[1] + dt.timedelta(days=3)
    result = workflow.set_disposition(
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
    body = "Please keep the old name!"
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    campaign = [
        CommentFactory(consultation=consultation, body=body.upper() if i % 2 else body)
        for i in range(3)
    ]
    other = CommentFactory(consultation=consultation, body="Something else.")
    (group,) = Comment.objects.campaigns()
    assert group["size"] == 3
    members = Comment.objects.of_campaign(group["consultation_id"], group["fingerprint"])
    result = workflow.set_disposition(
        members, by=moderator, disposition="noted", reply="Noted.", now=window[1]
    )
    assert sorted(c.pk for c in result.changed) == sorted(c.pk for c in campaign)
    assert set(Comment.objects.values_list("disposition", flat=True)) == {"noted", "pending"}
    other.refresh_from_db()
    assert other.disposition == "pending"


def test_a_spam_comment_gets_no_disposition(moderator, window):
    comment = CommentFactory(status=C.SPAM)
    result = workflow.set_disposition(
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
        workflow.set_disposition(
            [comment], by=moderator, disposition="maybe", reply="", now=window[1]
        )
    comment.refresh_from_db()
    assert comment.disposition == "pending"
    assert not Transition.objects.exists()


def test_recording_a_disposition_is_refused_without_the_permission(editor, window):
    comment = CommentFactory()
    with pytest.raises(NotPermitted, match=r"consult\.set_disposition"):
        workflow.set_disposition(
            [comment], by=editor, disposition="adopted", reply="", now=window[1]
        )
    comment.refresh_from_db()
    assert comment.disposition == "pending"
    assert not Transition.objects.exists()


def test_a_disposition_without_a_reply_has_no_reply_date(moderator, window):
    comment = CommentFactory()
    workflow.set_disposition([comment], by=moderator, disposition="noted", reply="", now=window[1])
    comment.refresh_from_db()
    assert (comment.disposition, comment.reply, comment.replied_at) == ("noted", "", None)
