"""Staff views of the exports built by a worker (``consult.reporting.export_jobs``): ask for one
from the comment changelist, follow its progress, download the file. A job and its file are seen
only by who asked for it and by superusers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.models import Comment, ExportJob
from consult.reporting import export_jobs
from occupations.admin.registry import ReadOnlyAdminMixin

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
            job = export_jobs.request_comment_export(
                by=request.user, filters=filters, now=timezone.now()
            )
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
