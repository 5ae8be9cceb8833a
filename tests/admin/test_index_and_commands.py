"""The admin index says what needs attention; the cron command begins due reviews."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from consult.models import Consultation
from occupations.models import Transition
from tests.factories import SHANGHAI, CommentFactory, ConsultationFactory

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2026, 7, 18, 0, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def closed():
    return ConsultationFactory(
        title="Draft list 2026",
        status=Consultation.Status.CONSULTATION,
        opens_at=dt.datetime(2026, 6, 17, tzinfo=SHANGHAI),
        closes_at=dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI),
    )


@time_machine.travel(AFTER, tick=False)
def test_the_index_lists_closed_consultations_and_waiting_comments(client_for, publisher, closed):
    CommentFactory(consultation=closed)
    CommentFactory(consultation=closed, status="published")
    body = client_for(publisher).get(reverse("admin:index")).content.decode()
    assert "Window closed, review not begun" in body
    assert reverse("admin:consult_consultation_begin_review", args=[closed.pk]) in body
    assert "Draft list 2026: 1 comment" in body


@time_machine.travel(AFTER, tick=False)
@time_machine.travel(AFTER, tick=False)
def test_editors_see_the_closed_consultation_without_the_step(client_for, editor, closed):
    body = client_for(editor).get(reverse("admin:index")).content.decode()
    assert "Draft list 2026" in body
    assert reverse("admin:consult_consultation_begin_review", args=[closed.pk]) not in body


@time_machine.travel(AFTER, tick=False)
def test_the_index_is_quiet_when_nothing_waits(client_for, publisher):
    body = client_for(publisher).get(reverse("admin:index")).content.decode()
    assert "Nothing is waiting" in body


def test_the_index_still_serves_the_app_list(client_for, superuser):
    body = client_for(superuser).get(reverse("admin:index")).content.decode()
    assert reverse("admin:consult_comment_changelist") in body


def test_begin_due_reviews_moves_closed_consultations(closed):
    open_one = ConsultationFactory(
        status=Consultation.Status.CONSULTATION,
        opens_at=dt.datetime(2026, 7, 1, tzinfo=SHANGHAI),
        closes_at=dt.datetime(2026, 8, 1, tzinfo=SHANGHAI),
    )
    out = io.StringIO()
    with time_machine.travel(AFTER, tick=False):
        call_command("begin_due_reviews", stdout=out)
    closed.refresh_from_db()
    open_one.refresh_from_db()
    assert closed.status == Consultation.Status.REVIEW
    assert open_one.status == Consultation.Status.CONSULTATION
    assert f"Review begun: {closed.slug}" in out.getvalue()
    transition = Transition.objects.get()
    assert transition.actor is None


def test_begin_due_reviews_says_when_nothing_is_due(closed):
    out = io.StringIO()
    with time_machine.travel(closed.closes_at, tick=False):
        call_command("begin_due_reviews", stdout=out)
    assert "No consultation is due for review." in out.getvalue()
    closed.refresh_from_db()
    assert closed.status == Consultation.Status.CONSULTATION
