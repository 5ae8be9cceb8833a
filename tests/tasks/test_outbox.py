"""The outbox: a receipt is a row written with its comment, delivered once by a worker, and
retried with backoff while the SMTP server is down."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from consult.delivery import outbox
from consult.intake import store
from consult.models import Comment, Consultation, DeliveryAttempt, OutgoingMail
from core.errors import InvalidTransition
from tests.factories import ConsultationFactory, DraftOccupationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

M = OutgoingMail.Status
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def open_consultation(window):
    consultation = ConsultationFactory(
        status=Consultation.Status.CONSULTATION, opens_at=window[0], closes_at=window[1]
    )
    DraftOccupationFactory(consultation=consultation, position=1, status="proposed")
    return consultation


def _comment(consultation, now, **kwargs) -> Comment:
    kwargs.setdefault("body", "The definition should name the safety duties.")
    with translation.override("en"):
        return store.submit_comment(store.Target(consultation), now=now, **kwargs)


def _write(now, recipient="li@example.org") -> OutgoingMail:
    return outbox.write_mail(
        kind=OutgoingMail.Kind.RECEIPT,
        recipient=recipient,
        language="en",
        subject="Your comment was received",
        body="Thank you.",
        now=now,
    )


# Written with the comment ------------------------------------------------------------------


def test_the_receipt_row_is_written_with_the_comment(open_consultation, window):
    comment = _comment(open_consultation, window[0], email="li@example.org")
    (mail,) = OutgoingMail.objects.all()
    assert (mail.kind, mail.recipient, mail.status) == ("receipt", "li@example.org", M.PENDING)
    assert comment.tracking_number in mail.subject
    assert f"/comments/{comment.tracking_number}/" in mail.body
    assert mail.created_at == mail.next_attempt_at == window[0]


def test_no_receipt_without_an_address(open_consultation, window):
    _comment(open_consultation, window[0])
    assert not OutgoingMail.objects.exists()


def test_a_refused_comment_leaves_no_receipt(open_consultation, window):
    with pytest.raises(InvalidTransition):
        _comment(open_consultation, window[1] + SECOND, email="li@example.org")
    assert not Comment.objects.exists()
    assert not OutgoingMail.objects.exists()


def test_the_task_is_enqueued_only_once_the_comment_commits(
    open_consultation, window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _comment(open_consultation, window[0], email="li@example.org")
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    tasks = {t.task_path: t for t in DBTaskResult.objects.all()}
    assert sorted(tasks) == ["consult.delivery.outbox.deliver_mail"]
    task = tasks["consult.delivery.outbox.deliver_mail"]
    # The queue holds the row's id, never the address.
    assert "example.org" not in str(task.args_kwargs)


# Delivery ---------------------------------------------------------------------------------


def test_a_worker_delivers_the_receipt_once(
    open_consultation, window, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = _comment(open_consultation, window[0], email="li@example.org")
    run_queued_tasks()
    run_queued_tasks()
    (message,) = smtp.handler_ref.messages
    assert message.rcpt_tos == ["li@example.org"]
    assert comment.tracking_number in message.content.decode()
    mail = OutgoingMail.objects.get()
    assert (mail.status, mail.attempts, mail.next_attempt_at) == (M.SENT, 1, None)
    assert mail.sent_at is not None
    # A second task for the same mail (the sweep's, say) sends nothing.
    assert outbox.deliver(mail.pk) == "skipped"
    assert len(smtp.handler_ref.messages) == 1


def test_smtp_down_records_attempts_then_one_delivery_when_up(smtp, caplog):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    smtp.stop()
    with time_machine.travel(start, tick=False):
        mail = _write(start)
        assert outbox.deliver(mail.pk) == "retry"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (M.PENDING, 1)
    assert mail.next_attempt_at == start + dt.timedelta(seconds=30)
    assert "ConnectionRefusedError" in mail.last_error
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        assert outbox.deliver(mail.pk) == "skipped"  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        assert outbox.deliver(mail.pk) == "retry"
    smtp.start()
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert outbox.deliver(mail.pk) == "sent"
        assert outbox.deliver(mail.pk) == "skipped"
    assert len(smtp.handler_ref.messages) == 1
    attempts = list(DeliveryAttempt.objects.filter(mail=mail).values_list("number", "error"))
    assert [number for number, _error in attempts] == [1, 2, 3]
    assert attempts[0][1] and attempts[1][1] and not attempts[2][1]
    # Logs name the mail and the error's type, never the address.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "li@example.org" not in ours  # mail.log is the test SMTP server's own log
    assert f"Mail #{mail.pk} attempt 1 failed (ConnectionRefusedError)" in ours


def test_a_failed_attempt_enqueues_its_retry_for_later(smtp):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    smtp.stop()
    with time_machine.travel(start, tick=False):
        mail = _write(start)
        outbox.deliver(mail.pk)
    (retry,) = DBTaskResult.objects.filter(task_path="consult.delivery.outbox.deliver_mail")
    assert retry.run_after == start + dt.timedelta(seconds=30)
    smtp.start()
    with time_machine.travel(start + dt.timedelta(seconds=20), tick=False):
        run_queued_tasks()  # not ready yet
    assert not smtp.handler_ref.messages
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        run_queued_tasks()
    assert len(smtp.handler_ref.messages) == 1


def test_the_backoff_starts_within_a_minute_and_retries_for_a_day():
    delays = [outbox.retry_delay(n) for n in range(1, 30)]
    assert delays[0] <= dt.timedelta(minutes=1)
    assert delays == sorted(delays)
    assert max(delays) == dt.timedelta(hours=4)


def test_a_mail_is_given_up_only_after_a_day_of_attempts(smtp):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    smtp.stop()
    with time_machine.travel(start, tick=False):
        mail = _write(start)
    now, results = start, []
    while True:
        with time_machine.travel(now, tick=False):
            results.append(outbox.deliver(mail.pk))
        mail.refresh_from_db()
        if mail.status != M.PENDING:
            break
        now = mail.next_attempt_at
    assert results[-1] == "failed" and set(results[:-1]) == {"retry"}
    assert now >= start + dt.timedelta(hours=24)
    assert (mail.status, mail.next_attempt_at, mail.attempts) == (M.FAILED, None, len(results))
    assert mail.attempt_log.count() == len(results)


def test_a_slow_smtp_server_does_not_slow_the_comment_post(
    client, open_consultation, window, smtp, django_capture_on_commit_callbacks
):
    smtp.handler_ref.delay = 3
    url = reverse("consultation-comment", args=[open_consultation.slug])
    data = {"body": "A comment with a receipt.", "email": "li@example.org"}
    with (
        time_machine.travel(window[0] + dt.timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = time.monotonic()
        response = client.post(url, data)
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 1.5
    assert not smtp.handler_ref.messages
    run_queued_tasks()
    assert len(smtp.handler_ref.messages) == 1


# The sweep and resending ---------------------------------------------------------------------


def test_the_sweep_re_enqueues_mail_whose_task_was_lost(smtp):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        mail = _write(start)  # outside on_commit capture: its task is never enqueued
        assert outbox.sweep(now=start) == 0  # just written: its own task may still come
    assert not DBTaskResult.objects.exists()
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert outbox.sweep(now=start + dt.timedelta(minutes=2)) == 1
        run_queued_tasks()
        assert outbox.sweep(now=start + dt.timedelta(minutes=2)) == 0
    mail.refresh_from_db()
    assert mail.status == M.SENT
    assert len(smtp.handler_ref.messages) == 1


def test_a_mail_claimed_by_a_worker_that_died_is_retried_after_its_lease(smtp):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    mail = _write(start)
    assert OutgoingMail.objects.claim(mail.pk, now=start, lease=outbox.lease()) == 1
    # The worker is killed here, before sending.
    assert outbox.sweep(now=start + dt.timedelta(minutes=2)) == 0
    later = start + outbox.lease() + outbox.SWEEP_GRACE + SECOND
    with time_machine.travel(later, tick=False):
        assert outbox.sweep(now=later) == 1
        run_queued_tasks()
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (M.SENT, 2)


def test_the_task_holding_a_claim_may_take_it_again_within_the_lease(smtp):
    """A task run again after its worker was lost (consult.worker) takes its own row at once;
    any other task waits for the lease, as before."""
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    mail = _write(start)
    assert OutgoingMail.objects.claim(mail.pk, now=start, lease=outbox.lease(), claimant="t1") == 1
    soon = start + dt.timedelta(seconds=40)
    assert OutgoingMail.objects.claim(mail.pk, now=soon, lease=outbox.lease()) is None
    assert (
        OutgoingMail.objects.claim(mail.pk, now=soon, lease=outbox.lease(), claimant="t2") is None
    )
    with time_machine.travel(soon, tick=False):
        assert outbox.deliver(mail.pk, claimant="t1") == "sent"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (M.SENT, 2)
    # Done is done, whoever asks.
    assert outbox.deliver(mail.pk, claimant="t1") == "skipped"


def test_a_failed_attempt_releases_its_claim(smtp):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    smtp.stop()
    mail = _write(start)
    with time_machine.travel(start, tick=False):
        assert outbox.deliver(mail.pk, claimant="t1") == "retry"
    mail.refresh_from_db()
    assert mail.claimed_by == ""
    # Its retry is another task's, at its time: the first task cannot jump the backoff.
    with time_machine.travel(start + dt.timedelta(seconds=5), tick=False):
        assert outbox.deliver(mail.pk, claimant="t1") == "skipped"


def test_resend_makes_a_failed_mail_pending_and_delivers_it(
    smtp, django_capture_on_commit_callbacks
):
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    mail = _write(start)
    OutgoingMail.objects.filter(pk=mail.pk).update(status=M.FAILED, next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend(OutgoingMail.objects.all(), now=start) == 1
    run_queued_tasks()
    mail.refresh_from_db()
    assert mail.status == M.SENT
    assert outbox.resend(OutgoingMail.objects.all(), now=start) == 0


def test_sent_mail_cannot_be_resent():
    mail = _write(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC))
    mail.status, mail.sent_at, mail.next_attempt_at = M.SENT, mail.created_at, None
    with pytest.raises(InvalidTransition):
        mail.resend(now=mail.created_at)


# Two workers at once --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_mail_at_once_send_it_once(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the race needs PostgreSQL.")
    smtp.handler_ref.delay = 0.5
    mails = [_write(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)) for _ in range(5)]
    # Every mail's task twice, as when the sweep re-enqueued them while their own still waited.
    from consult.delivery.outbox import deliver_mail

    for mail in mails:
        deliver_mail.enqueue(mail.pk)
        deliver_mail.enqueue(mail.pk)
    barrier = threading.Barrier(3)

    def work(name):
        try:
            barrier.wait(timeout=10)
            run_queued_tasks(worker_id=name)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(smtp.handler_ref.messages) == 5
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(M.SENT, 1)}
    workers = {tuple(w) for w in DBTaskResult.objects.values_list("worker_ids", flat=True)}
    assert len(workers) > 1  # the work was shared, not done by one thread alone


@pytest.mark.django_db(transaction=True)
def test_an_address_adds_only_the_receipt_and_its_task_to_the_comment_post(
    client, open_consultation, window
):
    """Without an address a comment costs its two queries (the window and the INSERT); with
    one, the outbox row in the same transaction and, after commit, the
    task's row (SQLite also logs BEGIN and COMMIT, which PostgreSQL's driver sends without a
    query of its own)."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    url = reverse("consultation-comment", args=[open_consultation.slug])
    costs = []
    with time_machine.travel(window[0] + dt.timedelta(days=1)):
        for data in ({"body": "No address."}, {"body": "With one.", "email": "li@example.org"}):
            with CaptureQueriesContext(db) as queries:
                assert client.post(url, data).status_code == 302
            statements = [q["sql"] for q in queries.captured_queries]
            costs.append(len([sql for sql in statements if sql not in {"BEGIN", "COMMIT"}]))
    assert costs == [2, 4]
    assert OutgoingMail.objects.count() == 1
    deliveries = DBTaskResult.objects.filter(task_path="consult.delivery.outbox.deliver_mail")
    assert deliveries.count() == 1
