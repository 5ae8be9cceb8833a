"""Spreadsheet exports too large for a request, built by a worker: the staff member asks for
one (``request_comment_export``), the queue builds it (``build``) while the job's page shows
its progress, and the file is kept under ``MEDIA_ROOT`` for a day (``remove_expired``).

The CSV export stays streamed in the request: it costs the server no memory and starts at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Iterator

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult.models import ExportJob
from consult.reporting.exports import COMMENT_COLUMNS
from core.exports.responses import CHUNK_SIZE, xlsx_response

logger = logging.getLogger(__name__)

# Rows between two progress updates: one UPDATE per this many rows written.
PROGRESS_EVERY = 5000


def request_comment_export(*, by, filters: str, now: dt.datetime) -> ExportJob:
    """Ask for an XLSX of the comment changelist as ``filters`` (its query string) selects it,
    built by a worker for ``by``; requires filters the changelist accepts (the admin checks)."""
    from consult.tasks import build_comment_export

    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=by, requested_at=now, filters=filters)
        transaction.on_commit(lambda: build_comment_export.enqueue(job.pk))
    return job


def build(job_id: int) -> str:
    """Write the spreadsheet of queued job ``job_id``, updating its progress as rows are
    written; what happened, as a word (``done``, ``failed``, or ``skipped`` when the job is
    gone or was already taken)."""
    from consult.admin.exports import comment_changelist_queryset

    job = ExportJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None:
        return "skipped"
    queryset = comment_changelist_queryset(job.filters, job.requested_by)
    if not job.start(total_rows=queryset.count()):
        return "skipped"
    try:
        _write(job, queryset)
    except Exception as exc:
        logger.exception("Export %s failed.", job.token)
        job.fail(error=f"{type(exc).__name__}: {exc}", now=timezone.now())
        return "failed"
    job.finish(now=timezone.now())
    return "done"


def _write(job: ExportJob, queryset) -> None:
    paths = [path for path, _label in COMMENT_COLUMNS]
    rows = queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE)
    stamp = timezone.localtime(job.requested_at).strftime("%Y%m%d-%H%M")
    with translation.override("en"):
        title = _("Comments")
    response = xlsx_response(
        f"comments-{stamp}.xlsx",
        title,
        [label for _path, label in COMMENT_COLUMNS],
        _counted(rows, job),
    )
    # The response is a download's; here only its file is wanted. Its close() would signal
    # request_finished, which closes this worker's database connection mid-task.
    with tempfile.TemporaryFile() as handle, response.file_to_stream:
        for chunk in response.streaming_content:
            handle.write(chunk)
        handle.seek(0)
        job.file.save(f"comments-{stamp}.xlsx", File(handle), save=False)


def _counted(rows: Iterable, job: ExportJob) -> Iterator:
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY == 0:
            job.record_progress(min(done, job.total_rows or done))


def remove_expired(*, now: dt.datetime) -> int:
    """Delete the jobs, and their files, asked for more than ``ExportJob.KEPT_FOR`` before
    ``now``; how many."""
    count = 0
    for job in ExportJob.objects.expired(now):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
