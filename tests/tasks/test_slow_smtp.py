"""A relay that answers the end of a message slowly gets it once: the wait for that reply is
``EMAIL_DATA_TIMEOUT``, not the short ``EMAIL_TIMEOUT`` of the other steps; and every attempt
at a mail sends the same Message-ID."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import pytest
import time_machine

from consult.delivery import outbox
from consult.models import OutgoingMail
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def _write() -> OutgoingMail:
    return outbox.write_mail(
        kind=OutgoingMail.Kind.RECEIPT,
        recipient="li@example.org",
        language="en",
        subject="Your comment was received",
        body="Thank you.",
        now=START,
    )


def _message_ids(smtp) -> list[str]:
    return [message_from_bytes(m.original_content)["Message-ID"] for m in smtp.handler_ref.messages]


def test_a_slow_reply_to_the_message_still_delivers_it_once(smtp, settings):
    # The relay takes three times the ordinary step's time-out to accept the message.
    settings.EMAIL_TIMEOUT = 0.5
    settings.EMAIL_DATA_TIMEOUT = 5
    smtp.handler_ref.delay = 1.5
    mail = _write()
    with time_machine.travel(START, tick=False):
        assert outbox.deliver(mail.pk) == "sent"
    # A retry's moment comes and goes: nothing is sent again.
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        assert outbox.sweep(now=START + dt.timedelta(hours=1)) == 0
        assert outbox.deliver(mail.pk) == "skipped"
    assert len(smtp.handler_ref.messages) == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutgoingMail.Status.SENT, 1)


def test_every_attempt_sends_the_same_message_id(smtp, settings):
    # Too short a wait for the message: the first attempt fails though the relay got it.
    settings.EMAIL_TIMEOUT = 0.5
    settings.EMAIL_DATA_TIMEOUT = 0.5
    smtp.handler_ref.delay = 1.5
    mail = _write()
    with time_machine.travel(START, tick=False):
        assert outbox.deliver(mail.pk) == "retry"
    # The relay has taken it (its reply came too late) before the next attempt connects.
    assert wait_for(lambda: len(smtp.handler_ref.messages) == 1, timeout=10)
    smtp.handler_ref.delay = 0
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        assert outbox.deliver(mail.pk) == "sent"
    mail.refresh_from_db()
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    # Both reached the relay, as one mail: a reader's client shows it once.
    assert _message_ids(smtp) == [mail.message_id, mail.message_id]
