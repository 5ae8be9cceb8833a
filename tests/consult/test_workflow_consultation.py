"""Consultation-level steps: open, extend the window, begin review (by staff or by cron)."""

import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation, WindowExtension
from consult.workflow.consultations import (
    begin_due_reviews,
    begin_review,
    extend_window,
    open_consultation,
)
from consult.workflow.drafts import withdraw_draft
from core.errors import InvalidTransition, NotPermitted, WorkflowError
from occupations.models import Transition
from tests.factories import SHANGHAI, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

S = Consultation.Status
OTHER_THAN_DRAFTING = [S.CONSULTATION, S.REVIEW, S.PUBLISHED]
OTHER_THAN_CONSULTATION = [S.DRAFTING, S.REVIEW, S.PUBLISHED]


def _unchanged(consultation, status, closes_at=None):
    consultation.refresh_from_db()
    assert consultation.status == status
    if closes_at is not None:
        assert consultation.closes_at == closes_at
    assert not Transition.objects.for_object(consultation).exists()


# open_consultation -------------------------------------------------------------------------


def test_opening_a_drafting_consultation_freezes_the_drafts_and_logs_one_step(
    drafting, publisher, window
):
    """Opening makes every draft proposed with its text frozen, and is logged once."""
    now = window[0] - dt.timedelta(days=1)
    open_consultation(drafting, by=publisher, now=now)

    drafting.refresh_from_db()
    assert drafting.status == S.CONSULTATION
    drafts = list(drafting.drafts.in_order())
    assert {d.status for d in drafts} == {DraftOccupation.Status.PROPOSED}
    assert drafts[0].consulted_text["name"] == "Hydrogen producer"
    assert drafts[0].consulted_text["tasks"] == drafts[0].tasks
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == drafting
    assert (step.action, step.source, step.target, step.actor) == (
        "open_consultation",
        "drafting",
        "consultation",
        publisher,
    )
    assert step.at == now


def test_a_withdrawn_draft_stays_out_when_the_consultation_opens(drafting, editor, publisher):
    """A draft withdrawn while drafting is not proposed to the public."""
    second = drafting.drafts.get(position=2)
    withdraw_draft(second, by=editor, reason="Out of scope.")
    open_consultation(drafting, by=publisher, now=drafting.opens_at)

    statuses = dict(drafting.drafts.values_list("name", "status"))
    assert statuses == {"Hydrogen producer": "proposed", "Low-altitude pilot": "withdrawn"}


@pytest.mark.parametrize("status", OTHER_THAN_DRAFTING)
def test_opening_is_refused_unless_drafting(consultation_in, publisher, window, status):
    consultation = consultation_in(status)
    with pytest.raises(InvalidTransition, match="not allowed from that state"):
        open_consultation(consultation, by=publisher, now=window[0])
    _unchanged(consultation, status)


def test_opening_is_refused_without_the_permission(drafting, editor, window):
    with pytest.raises(NotPermitted, match=r"consult\.open_consultation"):
        open_consultation(drafting, by=editor, now=window[0])
    _unchanged(drafting, S.DRAFTING)
    assert set(drafting.drafts.values_list("status", flat=True)) == {"draft"}


def test_opening_is_refused_for_an_anonymous_actor(drafting, window):
    with pytest.raises(NotPermitted, match="anonymous may not open a consultation"):
        open_consultation(drafting, by=None, now=window[0])
    _unchanged(drafting, S.DRAFTING)


def test_opening_is_refused_for_a_deactivated_publisher(drafting, publisher, window):
    publisher.is_active = False
    publisher.save()
    with pytest.raises(NotPermitted, match="publisher may not open a consultation"):
        open_consultation(drafting, by=publisher, now=window[0])
    _unchanged(drafting, S.DRAFTING)


def test_a_superuser_may_open_a_consultation(drafting, superuser, window):
    open_consultation(drafting, by=superuser, now=window[0])
    drafting.refresh_from_db()
    assert drafting.status == S.CONSULTATION
    assert Transition.objects.for_object(drafting).get().actor == superuser


def test_opening_is_refused_without_any_draft(publisher, window):
    empty = ConsultationFactory(opens_at=window[0], closes_at=window[1])
    with pytest.raises(InvalidTransition, match="at least one draft"):
        open_consultation(empty, by=publisher, now=window[0])
    _unchanged(empty, S.DRAFTING)


def test_opening_is_refused_when_every_draft_is_withdrawn(drafting, editor, publisher, window):
    for draft in drafting.drafts.all():
        withdraw_draft(draft, by=editor, reason="Merged elsewhere.")
    with pytest.raises(InvalidTransition, match="at least one draft"):
        open_consultation(drafting, by=publisher, now=window[0])
    _unchanged(drafting, S.DRAFTING)


def test_opening_is_refused_without_a_window(publisher, window):
    consultation = ConsultationFactory(opens_at=None, closes_at=None)
    DraftOccupationFactory(consultation=consultation)
    with pytest.raises(InvalidTransition, match="Set both ends of the comment window") as exc:
        open_consultation(consultation, by=publisher, now=window[0])
    assert exc.value.field == "opens_at"
    _unchanged(consultation, S.DRAFTING)


def test_opening_is_refused_once_the_closing_time_has_passed(drafting, publisher, window):
    """The window's last second still counts (``Consultation.window_state``), the next not."""
    with pytest.raises(InvalidTransition, match="closing time has already passed"):
        open_consultation(drafting, by=publisher, now=window[1] + dt.timedelta(seconds=1))
    _unchanged(drafting, S.DRAFTING)
    assert set(drafting.drafts.values_list("status", flat=True)) == {"draft"}


def test_opening_in_the_windows_last_second_is_allowed(drafting, publisher, window):
    opened = open_consultation(drafting, by=publisher, now=window[1])
    assert opened.status == S.CONSULTATION


# extend_window -----------------------------------------------------------------------------


def test_extending_an_open_window_moves_the_close_and_keeps_the_extension(
    consultation_in, publisher, window
):
    consultation = consultation_in(S.CONSULTATION)
    later = dt.datetime(2026, 7, 31, 23, 59, 59, tzinfo=SHANGHAI)
    extend_window(
        consultation, by=publisher, now=window[1], closes_at=later, reason="Requests for time."
    )

    consultation.refresh_from_db()
    assert consultation.closes_at == later
    assert consultation.status == S.CONSULTATION
    (extension,) = WindowExtension.objects.filter(consultation=consultation)
    assert (extension.previous_closes_at, extension.new_closes_at) == (window[1], later)
    assert extension.reason == "Requests for time."
    assert extension.by == publisher
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == consultation
    assert step.action == "extend_window"
    assert "2026-07-17T23:59:59+08:00" in step.note
    assert "2026-07-31T23:59:59+08:00" in step.note
    assert consultation.is_open_for_comments(window[1] + dt.timedelta(days=1))


@pytest.mark.parametrize("status", OTHER_THAN_CONSULTATION)
def test_extending_is_refused_unless_in_consultation(consultation_in, publisher, window, status):
    consultation = consultation_in(status)
    with pytest.raises(InvalidTransition, match="Only a consultation in public consultation"):
        extend_window(
            consultation,
            by=publisher,
            now=window[0],
            closes_at=window[1] + dt.timedelta(days=7),
            reason="More time.",
        )
    _unchanged(consultation, status, closes_at=window[1])
    assert not WindowExtension.objects.exists()


def test_extending_is_refused_after_the_window_closed(consultation_in, publisher, window):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="already closed"):
        extend_window(
            consultation,
            by=publisher,
            now=window[1] + dt.timedelta(seconds=1),
            closes_at=window[1] + dt.timedelta(days=7),
            reason="Too late.",
        )
    _unchanged(consultation, S.CONSULTATION, closes_at=window[1])
    assert not WindowExtension.objects.exists()


@pytest.mark.parametrize("delta", [dt.timedelta(0), dt.timedelta(days=-1)])
def test_extending_is_refused_unless_the_close_moves_later(
    consultation_in, publisher, window, delta
):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="later than the current one"):
        extend_window(
            consultation, by=publisher, now=window[0], closes_at=window[1] + delta, reason="x"
        )
    _unchanged(consultation, S.CONSULTATION, closes_at=window[1])
    assert not WindowExtension.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_extending_is_refused_without_a_reason(consultation_in, publisher, window, reason):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="Give a reason"):
        extend_window(
            consultation,
            by=publisher,
            now=window[0],
            closes_at=window[1] + dt.timedelta(days=7),
            reason=reason,
        )
    _unchanged(consultation, S.CONSULTATION, closes_at=window[1])


def test_extending_is_refused_with_a_naive_closing_time(consultation_in, publisher, window):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="time zone"):
        extend_window(
            consultation,
            by=publisher,
            now=window[0],
            closes_at=dt.datetime(2026, 7, 31, 23, 59, 59),
            reason="More time.",
        )
    _unchanged(consultation, S.CONSULTATION, closes_at=window[1])


def test_extending_is_refused_without_the_permission(consultation_in, moderator, window):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(NotPermitted, match=r"consult\.extend_window"):
        extend_window(
            consultation,
            by=moderator,
            now=window[0],
            closes_at=window[1] + dt.timedelta(days=7),
            reason="More time.",
        )
    _unchanged(consultation, S.CONSULTATION, closes_at=window[1])
    assert not WindowExtension.objects.exists()


# begin_review ------------------------------------------------------------------------------


def test_review_begins_one_second_after_the_close(consultation_in, publisher, window):
    consultation = consultation_in(S.CONSULTATION)
    now = window[1] + dt.timedelta(seconds=1)
    begin_review(consultation, by=publisher, now=now)

    consultation.refresh_from_db()
    assert consultation.status == S.REVIEW
    assert consultation.report_is_public
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == consultation
    assert (step.action, step.source, step.target, step.actor, step.at) == (
        "begin_review",
        "consultation",
        "review",
        publisher,
        now,
    )
    assert step.note == ""


def test_review_is_refused_at_the_closing_second(consultation_in, publisher, window):
    """At ``closes_at`` itself the window is still open, so review cannot begin."""
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="still open until 2026-07-17 23:59:59"):
        begin_review(consultation, by=publisher, now=window[1])
    _unchanged(consultation, S.CONSULTATION)


@pytest.mark.parametrize("status", OTHER_THAN_CONSULTATION)
def test_review_is_refused_unless_in_consultation(consultation_in, publisher, window, status):
    consultation = consultation_in(status)
    with pytest.raises(InvalidTransition, match="not allowed from that state"):
        begin_review(consultation, by=publisher, now=window[1] + dt.timedelta(days=1))
    _unchanged(consultation, status)


def test_review_is_refused_without_the_permission(consultation_in, editor, window):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(NotPermitted, match=r"consult\.begin_review"):
        begin_review(consultation, by=editor, now=window[1] + dt.timedelta(days=1))
    _unchanged(consultation, S.CONSULTATION)


def test_the_scheduled_command_begins_review_with_no_actor(consultation_in, window):
    """``by=None`` is the cron job: allowed, logged without an actor and with a note."""
    consultation = consultation_in(S.CONSULTATION)
    begin_review(consultation, by=None, now=window[1] + dt.timedelta(seconds=1))

    consultation.refresh_from_db()
    assert consultation.status == S.REVIEW
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == consultation
    assert step.actor is None
    assert step.note == "Begun by the scheduled command."


def test_the_scheduled_command_is_refused_before_the_close(consultation_in, window):
    consultation = consultation_in(S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="still open"):
        begin_review(consultation, by=None, now=window[1])
    _unchanged(consultation, S.CONSULTATION)


def test_begin_due_reviews_moves_only_consultations_whose_window_closed(consultation_in, window):
    now = window[1] + dt.timedelta(seconds=1)
    due = consultation_in(S.CONSULTATION)
    still_open = consultation_in(S.CONSULTATION, closes_at=window[1] + dt.timedelta(days=7))
    drafting = consultation_in(S.DRAFTING)
    already = consultation_in(S.REVIEW)

    started = begin_due_reviews(now=now)

    assert [c.pk for c in started] == [due.pk]
    statuses = dict(Consultation.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: "review",
        still_open.pk: "consultation",
        drafting.pk: "drafting",
        already.pk: "review",
    }
    assert Transition.objects.count() == 1
    assert Transition.objects.get().actor is None
    assert begin_due_reviews(now=now) == []
    assert Transition.objects.count() == 1


def test_a_refusal_is_a_workflow_error_with_a_readable_message(consultation_in, publisher):
    consultation = consultation_in(S.PUBLISHED)
    with pytest.raises(WorkflowError) as exc:
        begin_review(consultation, by=publisher, now=consultation.closes_at)
    assert str(exc.value) == (
        f"{consultation.title} is published; “begin review” is not allowed from that state."
    )
