"""Staff exports of the comment list: the CSV (streamed, by ``COPY`` on PostgreSQL) and the XLSX
of the changelist's actions, and the larger XLSX built by a worker: staff ask for one from the
changelist (``request_comment_export``), the queue builds it (``build``) while the job's page
shows its progress, and the file is kept under ``MEDIA_ROOT`` for a day. A job and its file are
seen only by who asked for it and by superusers. The e-mail address and the IP hash of a comment
are never exported; ``core.exports`` does the writing.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Iterator

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from consult.models import Comment, ExportJob
from core.exports import export_queryset
from core.exports.responses import CHUNK_SIZE, xlsx_response
from occupations.admin.registry import ReadOnlyAdminMixin

COMMENT_COLUMNS = (
    ("tracking_number", "tracking number"),
    ("submitted_at", "submitted"),
    ("consultation__slug", "consultation"),
    ("occupation__position", "occupation position"),
    ("occupation__name", "occupation"),
    ("field", "field"),
    ("task_number", "task number"),
    ("body", "comment"),
    ("proposed_text", "proposed text"),
    ("author_name", "name"),
    ("organisation", "organisation"),
    ("consent_to_publish", "consent to publish"),
    ("status", "moderation status"),
    ("fingerprint", "fingerprint"),
    ("disposition", "disposition"),
    ("reply", "reply"),
    ("replied_at", "replied"),
)


def export_comments(queryset, *, fmt: str = "csv"):
    """The comments of ``queryset`` (its filters and order) as a CSV (streamed) or XLSX
    download."""
    return export_queryset(
        queryset, COMMENT_COLUMNS, fmt=fmt, basename="comments", title=gettext("Comments")
    )


CHANGELIST_PATH = "/admin/consult/comment/"


def comment_changelist_queryset(filters: str, user, site: admin.AdminSite = admin.site):
    """The comments that the comment changelist shows ``user`` with the query string
    ``filters``, in its order: the admin's own filters, search and ordering, so that an export
    built later by a worker holds what the staff member saw. Raises
    IncorrectLookupParameters for filters the changelist refuses."""
    request = HttpRequest()
    request.method, request.path = "GET", CHANGELIST_PATH
    request.GET = QueryDict(filters)
    request.user = user
    return site.get_model_admin(Comment).get_changelist_instance(request).queryset


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["requested_at", "requested_by", "status", "progress", "download"]
    list_filter = ["status"]
    ordering = ["-requested_at", "-pk"]
    fields = ["requested_at", "requested_by", "filters", "status", "progress", "download", "error"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("consult.view_comment")

    @admin.display(description=_("progress"))
    def progress(self, job: ExportJob) -> str:
        if job.total_rows is None:
            return job.get_status_display()
        return f"{job.rows_done} / {job.total_rows} ({job.percent_done}%)"

    @admin.display(description=_("file"))
    def download(self, job: ExportJob) -> str:
        if job.status != ExportJob.Status.DONE:
            return format_html('<a href="{}">{}</a>', job.get_absolute_url(), gettext("progress"))
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:consult_exportjob_download", args=[job.token]),
            gettext("Download XLSX"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("request/", view(self.request_view), name="consult_exportjob_request"),
            path("<uuid:token>/progress/", view(self.status_view), name="consult_exportjob_status"),
            path(
                "<uuid:token>/download/",
                view(self.download_view),
                name="consult_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def request_view(self, request):
        """GET: what will be exported, and a button; POST: queue the export and show its
        progress."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = request.GET.urlencode()
        try:
            count = comment_changelist_queryset(filters, request.user, self.admin_site).count()
        except IncorrectLookupParameters:
            self.message_user(
                request, gettext("The filters of that export are not valid."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:consult_comment_changelist"))
        if request.method == "POST":
            job = request_comment_export(by=request.user, filters=filters, now=timezone.now())
            return HttpResponseRedirect(job.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Export comments as XLSX"),
            "count": count,
            "filters": filters,
            "changelist_url": reverse("admin:consult_comment_changelist") + "?" + filters,
        }
        return TemplateResponse(request, "admin/consult/exportjob/request.html", context)

    def _job(self, request, token) -> ExportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ExportJob.objects.visible_to(request.user), token=token)

    def status_view(self, request, token):
        job = self._job(request, token)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Export of comments"),
            "job": job,
            "progress": self.progress(job),
            "download": self.download(job),
            "refresh": job.status in {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING},
        }
        return TemplateResponse(request, "admin/consult/exportjob/status.html", context)

    def download_view(self, request, token):
        job = self._job(request, token)
        if job.status != ExportJob.Status.DONE:
            raise Http404(gettext("This export is not ready."))
        try:
            handle = job.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(gettext("The file of this export was removed.")) from None
        stamp = timezone.localtime(job.requested_at).strftime("%Y%m%d-%H%M")
        response = FileResponse(handle, as_attachment=True, filename=f"comments-{stamp}.xlsx")
        response["Cache-Control"] = "private, no-store"
        return response


# Built by a worker ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)

# Rows between two progress updates: one UPDATE per this many rows written.
PROGRESS_EVERY = 5000


def request_comment_export(*, by, filters: str, now: dt.datetime) -> ExportJob:
    """Ask for an XLSX of the comment changelist as ``filters`` (its query string) selects it,
    built by a worker for ``by``; requires filters the changelist accepts (the admin checks)."""
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=by, requested_at=now, filters=filters)
        transaction.on_commit(lambda: build_comment_export.enqueue(job.pk))
    return job


def build(job_id: int) -> str:
    """Write the spreadsheet of queued job ``job_id``, updating its progress as rows are
    written; what happened, as a word (``done``, ``failed``, or ``skipped`` when the job is
    gone or was already taken)."""
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
        title = gettext("Comments")
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


@task()
def build_comment_export(job_id: int) -> str:
    """Build the spreadsheet of one export job (``build``)."""
    return build(job_id)
