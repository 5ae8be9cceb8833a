"""Staff see undelivered mail with its attempts and errors, and can resend it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from consult.delivery import outbox
from consult.models import OutgoingMail
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def failed_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail = outbox.write_mail(
        kind="receipt",
        recipient="li@example.org",
        language="en",
        subject="Your comment 7KQ4-M2XD-93TR was received",
        body="Thanks.",
        now=START,
    )
    attempt = OutgoingMail.objects.claim(mail.pk, now=START, lease=outbox.lease())
    mail.record_failure(
        attempt=attempt,
        error="SMTPServerDisconnected: Connection unexpectedly closed",
        now=START,
        retry_at=None,
    )
    return mail


def test_the_changelist_shows_undelivered_mail_with_attempts_and_errors(
    client, superuser, failed_mail
):
    sent = outbox.write_mail(
        kind="receipt",
        recipient="wang@example.org",
        language="en",
        subject="Delivered already",
        body="Thanks.",
        now=START,
    )
    sent.record_sent(attempt=1, now=START)
    client.force_login(superuser)
    page = client.get(
        reverse("admin:consult_outgoingmail_changelist") + "?delivery=undelivered"
    ).content.decode()
    assert "Your comment 7KQ4-M2XD-93TR was received" in page
    assert "SMTPServerDisconnected" in page
    assert "Delivered already" not in page
    detail = client.get(
        reverse("admin:consult_outgoingmail_change", args=[failed_mail.pk])
    ).content.decode()
    assert "Connection unexpectedly closed" in detail  # the attempt log


def test_resend_delivers_a_failed_mail(
    client, superuser, failed_mail, django_capture_on_commit_callbacks
):
    from django.core import mail as django_mail

    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:consult_outgoingmail_changelist"),
            {"action": "resend", "_selected_action": [failed_mail.pk]},
            follow=True,
        )
    assert "1 mail will be sent again." in response.content.decode()
    run_queued_tasks()
    failed_mail.refresh_from_db()
    assert failed_mail.status == OutgoingMail.Status.SENT
    assert [m.to for m in django_mail.outbox] == [["li@example.org"]]


def test_staff_without_the_permission_see_no_outbox(client, moderator, failed_mail):
    client.force_login(moderator)
    response = client.get(reverse("admin:consult_outgoingmail_changelist"))
    assert response.status_code == 403
