"""Spreadsheet exports of the comment list built outside the request by a worker
(``consult.admin.exports``)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition


def export_path(job: ExportJob, filename: str) -> str:
    # Under MEDIA_ROOT, which nothing serves: the file goes out only through the job's view.
    return f"exports/{job.token}.xlsx"


class ExportJobQuerySet(models.QuerySet):
    def expired(self, now: dt.datetime) -> ExportJobQuerySet:
        return self.filter(requested_at__lte=now - ExportJob.KEPT_FOR)

    def visible_to(self, user) -> ExportJobQuerySet:
        return self if user.is_superuser else self.filter(requested_by=user)

    def remove_expired(self, *, now: dt.datetime) -> int:
        """Delete the jobs, and their files, asked for more than ``ExportJob.KEPT_FOR`` before
        ``now``; how many."""
        count = 0
        for job in self.expired(now):
            if job.file:
                job.file.delete(save=False)
            job.delete()
            count += 1
        return count


class ExportJob(models.Model):
    """A spreadsheet of the comment changelist (its filters as a query string), built by a
    worker; the file is kept for ``KEPT_FOR`` and served only to who asked and superusers."""

    KEPT_FOR = dt.timedelta(days=1)

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    filters = models.TextField(_("filters"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="export_job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(total_rows__isnull=True) | Q(rows_done__lte=F("total_rows")),
                name="export_job_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.token}"

    def get_absolute_url(self) -> str:
        return reverse("admin:consult_exportjob_status", args=[self.token])

    @property
    def percent_done(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.total_rows)

    def start(self, *, total_rows: int) -> bool:
        """Take a queued job for building ``total_rows`` rows; False if it is not queued (a
        second delivery of its task, or already built)."""
        taken = ExportJob.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.RUNNING, total_rows=total_rows
        )
        if taken:
            self.status, self.total_rows = self.Status.RUNNING, total_rows
        return bool(taken)

    def record_progress(self, rows_done: int) -> None:
        self.rows_done = rows_done
        ExportJob.objects.filter(pk=self.pk).update(rows_done=rows_done)

    def finish(self, *, now: dt.datetime) -> None:
        """Mark the running job done with its ``file`` written."""
        if self.status != self.Status.RUNNING or not self.file:
            raise InvalidTransition(gettext("Only a running export with its file can finish."))
        self.status, self.finished_at = self.Status.DONE, now
        self.rows_done = self.total_rows or 0
        self.save(update_fields=["status", "finished_at", "rows_done", "file"])

    def fail(self, *, error: str, now: dt.datetime) -> None:
        self.status, self.finished_at, self.error = self.Status.FAILED, now, error
        self.save(update_fields=["status", "finished_at", "error"])
