"""Outgoing e-mail: written as an ``OutgoingMail`` row in the transaction that causes it,
handed to the task queue after commit, delivered by a worker with retries
(``consult.delivery.retries``).

Retries back off from 30 seconds, doubling up to four hours between attempts; a mail is given
up (``failed``) only after an attempt fails 24 hours after it was written, so every mail is
tried for at least that long. ``sweep`` re-enqueues due mail whose task was lost. Staff may
resend undelivered mail from the admin; sent mail is never sent twice.

Addresses stay out of logs: tasks carry the row's id, and log lines name the id and the
error's type, never the recipient nor the SMTP server's message (which often quotes it).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django_tasks import TaskContext, task

from consult.delivery.retries import Channel, Outcome
from consult.models import OutgoingMail

# No one else takes a mail while one worker tries it; longer than any SMTP exchange.
MIN_LEASE = dt.timedelta(minutes=5)


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
    channel.enqueue_after_commit(mail.pk)
    return mail


class MailChannel(Channel[OutgoingMail]):
    """Mail handed to the SMTP server (``settings.EMAIL_BACKEND``), one message per attempt."""

    model = OutgoingMail
    noun = "Mail"
    longest_wait = dt.timedelta(hours=4)

    def lease(self) -> dt.timedelta:
        # An exchange is a handful of socket operations, each bounded by EMAIL_TIMEOUT, and the
        # message itself, bounded by EMAIL_DATA_TIMEOUT (core.smtp).
        return max(
            MIN_LEASE,
            dt.timedelta(seconds=10 * settings.EMAIL_TIMEOUT + settings.EMAIL_DATA_TIMEOUT),
        )

    def send(self, row: OutgoingMail, *, now: dt.datetime) -> Outcome:
        """Hand ``row`` to the SMTP server; a refusal or a timeout raises."""
        connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        message = EmailMessage(
            subject=row.subject,
            body=row.body,
            to=[row.recipient],
            connection=connection,
            headers={"Message-ID": row.stable_message_id()},
        )
        message.send(fail_silently=False)
        return Outcome(succeeded=True)


@task(takes_context=True)
def deliver_mail(context: TaskContext, mail_id: int) -> str:
    """Try to send one outgoing mail (``MailChannel.deliver``), as this task's attempt."""
    return channel.deliver(mail_id, claimant=str(context.task_result.id))


channel = MailChannel(deliver_mail)
# The outbox's steps and policy by module name, as the schedule (``outbox.sweep``) and the
# admin (``outbox.resend``) call them.
deliver = channel.deliver
sweep = channel.sweep
resend = channel.resend
retry_delay = channel.retry_delay
lease = channel.lease
SWEEP_GRACE = channel.sweep_grace
