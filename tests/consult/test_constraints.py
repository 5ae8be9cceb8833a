"""The consultation tables refuse bad rows themselves, even when model validation and the
workflow are bypassed (``QuerySet.update``, ``objects.create``, ``bulk_create``)."""

import datetime as dt

import pytest

from consult.models import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_BODY_MAX_LENGTH,
    Attachment,
    Comment,
    Consultation,
    DraftOccupation,
    WindowExtension,
)
from tests.factories import (
    BatchFactory,
    CommentFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    OccupationFactory,
)
from tests.helpers import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(db, window):
    consultation = ConsultationFactory(opens_at=window[0], closes_at=window[1])
    draft = DraftOccupationFactory(
        consultation=consultation, position=1, tasks=["One.", "Two."], proposed_code="6-28-01-17"
    )
    comment = CommentFactory(consultation=consultation, occupation=draft, field="name")
    return {
        "window": window,
        "consultation": consultation,
        "draft": draft,
        "comment": comment,
        "consultations": Consultation.objects.filter(pk=consultation.pk),
        "drafts": DraftOccupation.objects.filter(pk=draft.pk),
        "comments": Comment.objects.filter(pk=comment.pk),
    }


# Consultation ------------------------------------------------------------------------------

CONSULTATION_VIOLATIONS = {
    "an unknown status": (
        lambda r: r["consultations"].update(status="archived"),
        "consultation_status_valid",
    ),
    "a window closing when it opens": (
        lambda r: r["consultations"].update(closes_at=r["window"][0]),
        "consultation_window_ordered",
    ),
    "a window closing before it opens": (
        lambda r: r["consultations"].update(closes_at=r["window"][0] - dt.timedelta(seconds=1)),
        "consultation_window_ordered",
    ),
    "a window with one end only": (
        lambda r: r["consultations"].update(opens_at=None),
        "consultation_window_ordered",
    ),
    "a public consultation without a window": (
        lambda r: ConsultationFactory(status="consultation", opens_at=None, closes_at=None),
        "consultation_window_set_once_public",
    ),
    "a published consultation without a batch": (
        lambda r: r["consultations"].update(status="published"),
        "consultation_batch_iff_published",
    ),
    "a batch on an unpublished consultation": (
        lambda r: r["consultations"].update(status="review", batch=BatchFactory()),
        "consultation_batch_iff_published",
    ),
    "a slug used twice": (
        lambda r: ConsultationFactory(slug=r["consultation"].slug),
        "unique:slug",
    ),
}


@pytest.mark.parametrize("case", list(CONSULTATION_VIOLATIONS))
def test_the_consultation_table_refuses(rows, case):
    write, constraint = CONSULTATION_VIOLATIONS[case]
    assert_refused(lambda: write(rows), constraint)


def test_a_published_consultation_with_its_batch_is_stored(rows):
    rows["consultations"].update(status="published", batch=BatchFactory())
    assert Consultation.objects.get().batch is not None


def test_a_drafting_consultation_may_have_no_window_yet():
    assert ConsultationFactory(opens_at=None, closes_at=None).pk


def test_an_extension_must_move_the_close_later_and_give_a_reason(rows):
    closes = rows["window"][1]

    def extension(**kwargs):
        defaults = {
            "consultation": rows["consultation"],
            "previous_closes_at": closes,
            "new_closes_at": closes + dt.timedelta(days=7),
            "reason": "Requests for time.",
        }
        return WindowExtension.objects.create(**{**defaults, **kwargs})

    assert_refused(lambda: extension(new_closes_at=closes), "extension_moves_later")
    assert_refused(
        lambda: extension(new_closes_at=closes - dt.timedelta(days=1)), "extension_moves_later"
    )
    assert_refused(lambda: extension(reason=""), "extension_has_reason")
    assert extension().pk


# DraftOccupation ---------------------------------------------------------------------------

DRAFT_VIOLATIONS = {
    "an unknown status": (lambda r: r["drafts"].update(status="rejected"), "draft_status_valid"),
    "a withdrawal without a reason": (
        lambda r: r["drafts"].update(status="withdrawn", withdrawal_reason=""),
        "draft_withdrawal_has_reason",
    ),
    "a short code": (
        lambda r: r["drafts"].update(proposed_code="6-28-1-17"),
        "draft_code_format",
    ),
    "a code in major group 9": (
        lambda r: r["drafts"].update(proposed_code="9-28-01-17"),
        "draft_code_format",
    ),
    "a code with a trailing newline": (
        lambda r: r["drafts"].update(proposed_code="6-28-01-17\n"),
        "draft_code_format",
    ),
    "a published occupation on a draft not accepted": (
        lambda r: r["drafts"].update(occupation=OccupationFactory()),
        "draft_published_only_if_accepted",
    ),
    "two drafts at one position": (
        lambda r: DraftOccupation.objects.bulk_create(
            [DraftOccupation(consultation=r["consultation"], position=1, name="Twin")]
        ),
        "unique:draft_position_unique",
    ),
}


@pytest.mark.parametrize("case", list(DRAFT_VIOLATIONS))
def test_the_draft_table_refuses(rows, case):
    write, constraint = DRAFT_VIOLATIONS[case]
    assert_refused(lambda: write(rows), constraint)


def test_positions_and_blank_codes_may_repeat_across_lists(rows):
    other = DraftOccupationFactory(position=1, proposed_code="")
    also_blank = DraftOccupationFactory(consultation=other.consultation, position=2)
    assert also_blank.proposed_code == ""
    rows["drafts"].update(status="accepted", occupation=OccupationFactory())
    assert DraftOccupation.objects.filter(position=1).count() == 2


# Comment -----------------------------------------------------------------------------------

COMMENT_VIOLATIONS = {
    "an unknown status": (lambda r: r["comments"].update(status="deleted"), "comment_status_valid"),
    "an unknown disposition": (
        lambda r: r["comments"].update(disposition="ignored"),
        "comment_disposition_valid",
    ),
    "an unknown field": (lambda r: r["comments"].update(field="colour"), "comment_field_valid"),
    "a field without an occupation": (
        lambda r: r["comments"].update(occupation=None),
        "comment_field_needs_occupation",
    ),
    "a task comment without a task number": (
        lambda r: r["comments"].update(field="task", task_number=None),
        "comment_task_number_iff_task",
    ),
    "a task number 0": (
        lambda r: r["comments"].update(field="task", task_number=0),
        "comment_task_number_iff_task",
    ),
    "a task number on another field": (
        lambda r: r["comments"].update(task_number=2),
        "comment_task_number_iff_task",
    ),
    "a tracking number with U": (
        lambda r: r["comments"].update(tracking_number="7KQ4-M2XD-93TU"),
        "comment_tracking_number_format",
    ),
    "a lower-case tracking number": (
        lambda r: r["comments"].update(tracking_number="7kq4-m2xd-93tr"),
        "comment_tracking_number_format",
    ),
    "a tracking number without dashes": (
        lambda r: r["comments"].update(tracking_number="7KQ4M2XD93TR"),
        "comment_tracking_number_format",
    ),
    "a tracking number used twice": (
        lambda r: CommentFactory(
            consultation=r["consultation"], tracking_number=r["comment"].tracking_number
        ),
        "unique:comment_tracking_number_unique",
    ),
    "an empty body": (lambda r: r["comments"].update(body=""), "comment_body_length"),
    "a body over 5000 characters": (
        lambda r: r["comments"].update(body="字" * (COMMENT_BODY_MAX_LENGTH + 1)),
        "comment_body_length",
    ),
}


@pytest.mark.parametrize("case", list(COMMENT_VIOLATIONS))
def test_the_comment_table_refuses(rows, case):
    write, constraint = COMMENT_VIOLATIONS[case]
    assert_refused(lambda: write(rows), constraint)


def test_a_task_comment_with_its_number_and_a_5000_character_body_are_stored(rows):
    rows["comments"].update(field="task", task_number=2, body="字" * COMMENT_BODY_MAX_LENGTH)
    stored = Comment.objects.get()
    assert (stored.field, stored.task_number, len(stored.body)) == ("task", 2, 5000)


# Attachment --------------------------------------------------------------------------------


def _attachment(comment, **kwargs):
    defaults = {
        "comment": comment,
        "file": "attachments/x.pdf",
        "original_name": "x.pdf",
        "content_type": "application/pdf",
        "size": ATTACHMENT_MAX_BYTES,
    }
    return Attachment.objects.create(**{**defaults, **kwargs})


def test_an_attachment_over_10_mb_is_refused(rows):
    assert_refused(
        lambda: _attachment(rows["comment"], size=ATTACHMENT_MAX_BYTES + 1),
        "attachment_at_most_10mb",
    )
    assert _attachment(rows["comment"]).size == 10 * 1024 * 1024


def test_an_attachment_of_another_type_is_refused(rows):
    assert_refused(
        lambda: _attachment(rows["comment"], content_type="application/x-msdownload"),
        "attachment_type_valid",
    )
