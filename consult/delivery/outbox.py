"""Outgoing e-mail: written as an ``OutgoingMail`` row in the transaction that causes it,
handed to the task queue after commit, delivered by a worker with retries.

Retries back off from 30 seconds (the first retry within a minute), doubling up to four hours
between attempts; a mail is given up (``failed``) only after an attempt fails once
``RETRY_PERIOD`` (24 hours) has passed since it was written, so every mail is tried for at
least that long. ``sweep`` re-enqueues due mail whose task was lost (a worker killed, an
enqueue that failed after commit). Staff may resend undelivered mail from the admin.

Addresses stay out of logs: tasks carry the row's id, and log lines name the id and the
error's type, never the recipient nor the SMTP server's message (which often quotes it).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from consult.models import OutgoingMail

logger = logging.getLogger(__name__)

FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=4)
RETRY_PERIOD = dt.timedelta(hours=24)
# No one else takes a mail while one worker tries it; longer than any SMTP exchange.
MIN_LEASE = dt.timedelta(minutes=5)
# A mail is left to its own task this long after it fell due before the sweep enqueues another.
SWEEP_GRACE = dt.timedelta(minutes=1)


def write_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    now: dt.datetime,
    once_key: str = "",
) -> OutgoingMail | None:
    """Store a mail to send (in the caller's transaction, if any) and hand it to the queue
    once that commits. With a ``once_key``, a mail already written under that key is not
    written again (None is returned): a notice sent once per occasion."""
    fields = {
        "kind": kind,
        "recipient": recipient,
        "language": language,
        "subject": subject,
        "body": body,
        "created_at": now,
        "next_attempt_at": now,
    }
    if once_key:
        # The conditional unique constraint settles a race between two writers: the second
        # one's savepoint rolls back and nothing else in its transaction is lost.
        try:
            with transaction.atomic():
                mail = OutgoingMail.objects.create(once_key=once_key, **fields)
        except IntegrityError:
            return None
    else:
        mail = OutgoingMail.objects.create(**fields)
    enqueue_after_commit(mail.pk)
    return mail


def enqueue_after_commit(mail_id: int) -> None:
    transaction.on_commit(lambda: deliver_mail.enqueue(mail_id))


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1 for the first)."""
    return min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_WAIT)


def lease() -> dt.timedelta:
    # An exchange is a handful of socket operations, each bounded by EMAIL_TIMEOUT.
    return max(MIN_LEASE, dt.timedelta(seconds=10 * settings.EMAIL_TIMEOUT))


def deliver(mail_id: int, *, now: dt.datetime | None = None) -> str:
    """Try to send mail ``mail_id`` once if it is due; what happened, as a word for the task's
    result (``sent``, ``retry``, ``failed`` or ``skipped`` when it was not due: sent, given up,
    or taken by another worker)."""
    now = now or timezone.now()
    attempt = OutgoingMail.objects.claim(mail_id, now=now, lease=lease())
    if attempt is None:
        return "skipped"
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        _send(mail)
    except Exception as exc:
        finished = timezone.now()
        give_up = finished >= mail.created_at + RETRY_PERIOD
        retry_at = None if give_up else finished + retry_delay(attempt)
        mail.record_failure(
            attempt=attempt, error=f"{type(exc).__name__}: {exc}", now=finished, retry_at=retry_at
        )
        logger.warning(
            "Mail #%s attempt %s failed (%s); %s",
            mail_id,
            attempt,
            type(exc).__name__,
            "given up" if give_up else f"next attempt at {retry_at:%Y-%m-%d %H:%M:%S%z}",
        )
        if retry_at is not None:
            deliver_mail.using(run_after=retry_at).enqueue(mail_id)
        return "failed" if give_up else "retry"
    mail.record_sent(attempt=attempt, now=timezone.now())
    logger.info("Mail #%s sent (attempt %s).", mail_id, attempt)
    return "sent"


def _send(mail: OutgoingMail) -> None:
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    message = EmailMessage(
        subject=mail.subject, body=mail.body, to=[mail.recipient], connection=connection
    )
    message.send(fail_silently=False)


def sweep(*, now: dt.datetime) -> int:
    """Re-enqueue every mail that fell due more than ``SWEEP_GRACE`` before ``now`` and is still
    pending: its task was lost (a worker killed mid-task, an enqueue that failed after commit);
    how many. Should its task still be queued after all, whichever of the two runs second
    finds the mail not due and does nothing."""
    due = OutgoingMail.objects.due(now - SWEEP_GRACE).order_by("next_attempt_at")
    due = list(due.values_list("pk", flat=True)[:1000])
    for mail_id in due:
        deliver_mail.enqueue(mail_id)
    return len(due)


def resend(mails, *, now: dt.datetime) -> int:
    """Make each undelivered mail of ``mails`` due now and enqueue it; how many. A mail
    written more than ``RETRY_PERIOD`` ago gets one more attempt, not another day of them."""
    count = 0
    with transaction.atomic():
        for mail in mails.select_for_update().exclude(status=OutgoingMail.Status.SENT):
            mail.resend(now=now)
            enqueue_after_commit(mail.pk)
            count += 1
    return count


@task()
def deliver_mail(mail_id: int) -> str:
    """Try to send one outgoing mail (``deliver``)."""
    return deliver(mail_id)
