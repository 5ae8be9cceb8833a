"""Periodic work, run on the task queue: the schedule table and the tick that enqueues what is
due.

django-tasks has no scheduler of its own. Every worker (``manage.py run_worker``) ticks every
``TICK`` seconds; a tick claims each due run by moving its ``ScheduledRun.next_run_at``
forward with a conditional UPDATE and enqueues the task in the same transaction, so however
many workers tick at once each run is enqueued once, and a run is never claimed without its
task. A periodic task that re-enqueues itself was the other choice: one lost task would end
its chain for good, and two started chains would never merge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.module_loading import import_string

from consult.models import ScheduledRun

TICK = 30  # seconds


@dataclass(frozen=True)
class Schedule:
    name: str
    every: dt.timedelta
    task: str  # the task's import path


SCHEDULES = (
    Schedule("begin_due_reviews", dt.timedelta(minutes=5), "consult.tasks.begin_due_reviews"),
    Schedule("sweep", dt.timedelta(minutes=1), "consult.tasks.sweep"),
    # Every tick: a new comment is in its campaign within about half a minute.
    Schedule(
        "assign_new_comments_to_campaigns",
        dt.timedelta(seconds=TICK),
        "consult.tasks.assign_new_comments_to_campaigns",
    ),
    Schedule("prune_task_results", dt.timedelta(days=1), "consult.tasks.prune_task_results"),
    Schedule("moderation_digest", dt.timedelta(days=1), "consult.tasks.moderation_digest"),
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
                import_string(schedule.task).enqueue()
                enqueued.append(schedule.name)
    return enqueued
