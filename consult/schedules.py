"""Periodic work, run on the task queue: the schedule, its tasks and the tick that enqueues what
is due.

django-tasks has no scheduler of its own. Every worker (``manage.py run_worker``) ticks every
``TICK`` seconds; a tick claims each due run by moving its ``ScheduledRun.next_run_at``
forward with a conditional UPDATE and enqueues the task in the same transaction, so however
many workers tick at once each run is enqueued once, and a run is never claimed without its
task. A periodic task that re-enqueues itself was the other choice: one lost task would end
its chain for good, and two started chains would never merge.

Each periodic task is a thin call into the module that owns the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from consult import clustering, commitment
from consult.delivery import notifications, outbox, webhooks
from consult.models import ExportJob, ScheduledRun
from consult.workflow import consultations
from occupations import downloads

TICK = 30  # seconds


@task()
def begin_due_reviews() -> list[str]:
    """Begin the review of every consultation whose window has closed."""
    return [c.slug for c in consultations.begin_due_reviews(now=timezone.now())]


@task()
def commit_comment_records() -> list[str]:
    """Compute the comment record of every consultation whose window has closed
    (``consult.commitment``)."""
    return commitment.commit_due(now=timezone.now())


@task()
def sweep() -> dict[str, int]:
    """Re-enqueue mail, webhook deliveries and release downloads whose task was lost; remove
    exports past their day."""
    now = timezone.now()
    return {
        "mail_requeued": outbox.sweep(now=now),
        "webhooks_requeued": webhooks.sweep(now=now),
        "exports_removed": ExportJob.objects.remove_expired(now=now),
        "downloads_requeued": downloads.requeue_missing(now=now),
    }


@task()
def assign_new_comments_to_campaigns() -> int:
    """Put new comments in their near-duplicate campaigns (``consult.clustering.assign_new``)."""
    return clustering.assign_new()


@task()
def prune_task_results() -> None:
    """Delete the queue's rows of tasks finished more than two weeks ago (a sweep a minute
    adds 1,440 a day)."""
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)


@task()
def moderation_digest() -> int:
    """The moderators' daily digest of new comments (``consult.delivery.notifications``)."""
    return notifications.moderation_digest(now=timezone.now())


@dataclass(frozen=True)
class Schedule:
    name: str
    every: dt.timedelta
    task: Task


SCHEDULES = (
    Schedule("begin_due_reviews", dt.timedelta(minutes=5), begin_due_reviews),
    Schedule("sweep", dt.timedelta(minutes=1), sweep),
    Schedule("commit_comment_records", dt.timedelta(minutes=1), commit_comment_records),
    # Every tick: a new comment is in its campaign within about half a minute.
    Schedule(
        "assign_new_comments_to_campaigns",
        dt.timedelta(seconds=TICK),
        assign_new_comments_to_campaigns,
    ),
    Schedule("prune_task_results", dt.timedelta(days=1), prune_task_results),
    Schedule("moderation_digest", dt.timedelta(days=1), moderation_digest),
)


def enqueue_due(*, now: dt.datetime, schedules: tuple[Schedule, ...] = SCHEDULES) -> list[str]:
    """Enqueue each periodic task due at ``now`` that no other scheduler has claimed; the
    names of those enqueued. A schedule seen for the first time is due at once."""
    ScheduledRun.objects.bulk_create(
        [ScheduledRun(name=schedule.name, next_run_at=now) for schedule in schedules],
        ignore_conflicts=True,
    )
    enqueued = []
    for schedule in schedules:
        with transaction.atomic():
            claimed = ScheduledRun.objects.filter(name=schedule.name, next_run_at__lte=now).update(
                next_run_at=now + schedule.every, last_run_at=now
            )
            if claimed:
                schedule.task.enqueue()
                enqueued.append(schedule.name)
    return enqueued
