"""When each periodic task of the task queue is next due (``consult.schedules``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """When a periodic task is next due. Every scheduler moves ``next_run_at`` forward by a
    conditional UPDATE before it enqueues the task, so of two schedulers ticking at once only
    one enqueues each run."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return self.name
