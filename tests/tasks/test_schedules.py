"""Periodic work: each run is enqueued once however many schedulers tick, and beginning the
review of due consultations is safe to run twice at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from consult import schedules
from consult.models import Consultation, ScheduledRun
from occupations.models import Transition
from tests.factories import ConsultationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 7, 18, 9, 0, tzinfo=dt.UTC)
ALL = [
    "begin_due_reviews",
    "sweep",
    "commit_comment_records",
    "assign_new_comments_to_campaigns",
    "prune_task_results",
    "moderation_digest",
]


def _enqueued() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_a_first_tick_enqueues_every_schedule_and_a_second_nothing():
    assert schedules.enqueue_due(now=START) == ALL
    assert schedules.enqueue_due(now=START + dt.timedelta(seconds=29)) == []
    assert _enqueued() == sorted(f"consult.schedules.{name}" for name in ALL)
    assert ScheduledRun.objects.get(name="sweep").next_run_at == START + dt.timedelta(minutes=1)


def test_each_schedule_comes_round_at_its_own_interval():
    schedules.enqueue_due(now=START)
    assert schedules.enqueue_due(now=START + dt.timedelta(seconds=30)) == [
        "assign_new_comments_to_campaigns"
    ]
    assert schedules.enqueue_due(now=START + dt.timedelta(minutes=1)) == [
        "sweep",
        "commit_comment_records",
        "assign_new_comments_to_campaigns",
    ]
    assert schedules.enqueue_due(now=START + dt.timedelta(minutes=5)) == [
        "begin_due_reviews",
        "sweep",
        "commit_comment_records",
        "assign_new_comments_to_campaigns",
    ]
    assert schedules.enqueue_due(now=START + dt.timedelta(days=1)) == ALL


def test_two_schedulers_ticking_at_the_same_moment_enqueue_each_run_once():
    assert schedules.enqueue_due(now=START) == ALL
    later = START + dt.timedelta(minutes=5)
    first, second = schedules.enqueue_due(now=later), schedules.enqueue_due(now=later)
    assert sorted(first + second) == [
        "assign_new_comments_to_campaigns",
        "begin_due_reviews",
        "commit_comment_records",
        "sweep",
    ]
    assert len(_enqueued()) == len(ALL) + 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedulers_in_several_threads_enqueue_each_run_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the race needs PostgreSQL.")
    ScheduledRun.objects.bulk_create(
        [ScheduledRun(name=s.name, next_run_at=START) for s in schedules.SCHEDULES]
    )
    barrier = threading.Barrier(4)
    results: list[list[str]] = []

    def tick():
        try:
            barrier.wait(timeout=10)
            results.append(schedules.enqueue_due(now=START + dt.timedelta(minutes=5)))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(name for result in results for name in result) == sorted(ALL)
    assert len(_enqueued()) == len(ALL)


def test_finished_task_rows_are_pruned_after_two_weeks():
    schedules.enqueue_due(now=START)
    with time_machine.travel(START, tick=False):
        run_queued_tasks()
    assert DBTaskResult.objects.count() == len(ALL)
    schedules.enqueue_due(now=START + dt.timedelta(days=15))
    with time_machine.travel(START + dt.timedelta(days=15), tick=False):
        run_queued_tasks()
    # The first day's rows are gone; the latest runs are kept.
    assert DBTaskResult.objects.filter(finished_at__lt=START + dt.timedelta(days=1)).count() == 0
    assert DBTaskResult.objects.count() >= len(ALL) - 1


def test_the_scheduled_task_begins_the_review_of_a_closed_consultation(window):
    closed = ConsultationFactory(
        status=Consultation.Status.CONSULTATION, opens_at=window[0], closes_at=window[1]
    )
    still_open = ConsultationFactory(
        status=Consultation.Status.CONSULTATION,
        opens_at=window[0],
        closes_at=window[1] + dt.timedelta(days=30),
    )
    with time_machine.travel(window[1] + dt.timedelta(seconds=1), tick=False):
        schedules.enqueue_due(now=window[1] + dt.timedelta(seconds=1))
        run_queued_tasks()
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.status == Consultation.Status.REVIEW
    assert still_open.status == Consultation.Status.CONSULTATION
    task = DBTaskResult.objects.get(task_path="consult.schedules.begin_due_reviews")
    assert task.return_value == [closed.slug]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_begin_due_reviews_at_once_begin_each_review_once(window):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the race needs PostgreSQL.")
    from consult.workflow.consultations import begin_due_reviews

    consultations = [
        ConsultationFactory(
            status=Consultation.Status.CONSULTATION, opens_at=window[0], closes_at=window[1]
        )
        for _ in range(3)
    ]
    barrier = threading.Barrier(2)
    started: list = []
    errors: list = []

    def run():
        try:
            barrier.wait(timeout=10)
            started.extend(begin_due_reviews(now=window[1] + dt.timedelta(minutes=1)))
        except Exception as exc:  # any error fails the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(c.pk for c in started) == sorted(c.pk for c in consultations)
    assert Transition.objects.filter(action="begin_review").count() == 3
