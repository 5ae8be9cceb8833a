"""Taking a public comment: the window decides by the clock alone; what is stored with it."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone

from consult.intake import attachments, form, store
from consult.models import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_BODY_MAX_LENGTH,
    TRACKING_NUMBER_PATTERN,
    Attachment,
    Comment,
    Consultation,
    DraftOccupation,
    comment_fingerprint,
)
from consult.workflow.consultations import extend_window
from core.clients import hash_ip
from core.errors import InvalidTransition
from tests.factories import SHANGHAI, ConsultationFactory, DraftOccupationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

S = Consultation.Status
C = Comment.Status
UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def open_consultation(consultation_in):
    return consultation_in(S.CONSULTATION)


def _comment(consultation, now, *, occupation=None, **kwargs):
    kwargs.setdefault("body", "The definition should mention electrolysis.")
    return store.submit_comment(store.Target(consultation, occupation), now=now, **kwargs)


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
    extend_window(
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
    settings.IP_HASH_SECRET = "pepper"
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
        sender=store.Sender(ip="203.0.113.7"),
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
    monkeypatch.setattr(store, "new_tracking_number", lambda: next(numbers))

    comment = _comment(open_consultation, window[0], body="A second comment.")

    assert comment.tracking_number == "7KQ4-M2XD-93TR"
    assert Comment.objects.count() == 2


def test_a_receipt_is_emailed_by_the_worker_when_an_address_is_given(
    open_consultation, window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = _comment(open_consultation, window[0], email="li@example.org")
        _comment(open_consultation, window[0], body="No address given.")
    assert mail.outbox == []  # not in the request
    run_queued_tasks()
    (message,) = mail.outbox
    assert message.to == ["li@example.org"]
    assert comment.tracking_number in message.subject


def test_attachments_are_stored_under_a_random_name(open_consultation, window):
    upload = attachments.UploadedAttachment(
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


def test_a_comment_on_a_part_of_no_occupation_is_refused_by_the_database(open_consultation, window):
    """The form's check (``check_part``) says why; a caller that skips it meets the database."""
    assert "field" in form.check_part(None, "name", None)
    with pytest.raises(IntegrityError):
        _comment(open_consultation, window[0], field="name")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("part", "task_number", "problem"),
    [
        ("task", None, "Give the number of the task"),
        ("task", 3, "has 2 tasks; choose a number from 1 to 2"),
        ("task", 2, None),
        ("name", None, None),
        ("", None, None),
    ],
)
def test_a_task_number_is_checked_against_the_drafts_tasks(
    open_consultation, part, task_number, problem
):
    draft = open_consultation.drafts.get(position=1)
    errors = form.check_part(draft, part, task_number)
    if problem is None:
        assert errors == {}
    else:
        assert problem in errors["task_number"].messages[0]


def _upload(size: int, name: str = "a.txt") -> ContentFile:
    upload = ContentFile(b"x" * min(size, 1), name=name)
    upload.size = size
    return upload


def test_too_many_or_too_large_attachments_are_refused_with_their_names():
    with pytest.raises(ValidationError, match="Attach at most 3 files; you chose 4"):
        attachments.check_attachments([_upload(1) for _ in range(4)])
    with pytest.raises(ValidationError) as exc:
        attachments.check_attachments([_upload(ATTACHMENT_MAX_BYTES + 1, "big.txt")])
    assert exc.value.messages == ["“big.txt” is 10.0\xa0MB; each file may be at most 10 MB."]


@pytest.mark.parametrize(
    ("number", "received", "total", "message"),
    [
        (4, 0, 3, "“f.pdf” was not read: attach at most 3 files."),
        (1, ATTACHMENT_MAX_BYTES + 1, ATTACHMENT_MAX_BYTES + 1, "is larger than 10 MB"),
        (
            3,
            1,
            attachments.COMMENT_REQUEST_MAX_BYTES + 1,
            "the files together may be at most 30 MB",
        ),
    ],
)
def test_files_are_refused_by_name_while_they_are_read(number, received, total, message):
    attachments.check_upload_while_reading(
        "f.pdf", number=3, received=ATTACHMENT_MAX_BYTES, total=0
    )
    with pytest.raises(ValidationError) as refused:
        attachments.check_upload_while_reading(
            "f.pdf", number=number, received=received, total=total
        )
    assert message in refused.value.messages[0]
    assert "f.pdf" in refused.value.messages[0]


def test_a_body_of_exactly_5000_characters_is_accepted(open_consultation, window):
    comment = _comment(open_consultation, window[0], body="字" * COMMENT_BODY_MAX_LENGTH)
    assert len(Comment.objects.get(pk=comment.pk).body) == COMMENT_BODY_MAX_LENGTH


def test_the_last_second_of_the_window_counts_whole(open_consultation, window):
    """ "Through 23:59:59": a comment at 23:59:59.4 is in time, one at the next second is not."""
    drafting = open_consultation
    late_in_the_second = window[1] + dt.timedelta(milliseconds=400)
    assert drafting.is_open_for_comments(late_in_the_second)
    assert drafting in Consultation.objects.open(late_in_the_second)
    assert not drafting.is_open_for_comments(window[1] + dt.timedelta(seconds=1))
    assert drafting in Consultation.objects.closed(window[1] + dt.timedelta(seconds=1))
    comment = _comment(drafting, late_in_the_second, body="Just in time.")
    assert comment.submitted_at == late_in_the_second


def test_a_comment_that_fails_half_way_leaves_no_file_behind(
    open_consultation, window, settings, monkeypatch
):
    saved = []
    real_save = Attachment.save

    def fail_on_second(self, *args, **kwargs):
        saved.append(self.file.name)
        if len(saved) == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", fail_on_second)
    uploads = [
        attachments.UploadedAttachment(
            name=f"note{i}.txt",
            content_type=Attachment.Kind.TXT,
            file=ContentFile(b"Evidence for the comment.\n"),
            size=26,
        )
        for i in (1, 2)
    ]
    with pytest.raises(RuntimeError):
        _comment(open_consultation, window[0], body="With files.", attachments=uploads)

    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    leftover = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert leftover == []
    assert len(saved) == 2
    assert not DraftOccupation.objects.filter(status="withdrawn").exists()


def test_a_window_opening_mid_second_is_open_for_that_whole_second(consultation_in):
    opens = dt.datetime(2026, 6, 17, 10, 0, 0, 300_000, tzinfo=dt.UTC)
    drafting = consultation_in(S.CONSULTATION, opens_at=opens)
    early_in_the_second = opens.replace(microsecond=100_000)
    assert drafting.is_open_for_comments(early_in_the_second)
    assert drafting in Consultation.objects.open(early_in_the_second)
    before = opens - dt.timedelta(seconds=1)
    assert not drafting.is_open_for_comments(before)
    assert drafting in Consultation.objects.scheduled(before)
    assert drafting not in Consultation.objects.scheduled(early_in_the_second)
