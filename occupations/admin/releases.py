"""Staff admin of the registry's releases: the list, each release's facts, and the page that
issues the next one (``occupations.workflow.issue_release``). Issuing is a grave step: it asks
for a recent sign-in (``staff.reauth``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import WorkflowError
from occupations.models import Release
from occupations.workflow import RELEASE_NOTE_MAX_LENGTH, issue_release
from staff.reauth import recent_sign_in_required


class IssueReleaseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=RELEASE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("What this release holds, for the people who use the data."),
    )


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "issued_at",
        "issued_by",
        "added_count",
        "changed_count",
        "removed_count",
        "files",
    ]
    ordering = ["-sequence"]
    fields = [
        "version",
        "issued_at",
        "issued_by",
        "note",
        "added_count",
        "changed_count",
        "removed_count",
        "files",
        "downloads_built_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("downloads"))
    def files(self, release: Release) -> str:
        if not release.downloads:
            return gettext("being built")
        return format_html(
            '<a href="{}">{}</a>',
            release.get_absolute_url(),
            gettext("%(count)d files") % {"count": len(release.downloads)},
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_issue": request.user.has_perm("occupations.issue_release"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        issue = self.admin_site.admin_view(recent_sign_in_required(self.issue_view))
        return [
            path("issue/", issue, name="occupations_release_issue"),
            *super().get_urls(),
        ]

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("occupations.issue_release"):
            raise PermissionDenied
        form = IssueReleaseForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                release = issue_release(by=request.user, note=form.cleaned_data["note"])
            except WorkflowError as exc:
                form.add_error("note" if exc.field == "note" else None, exc.message)
            else:
                messages.success(
                    request,
                    gettext("Release %(version)s issued; its downloads are being built.")
                    % {"version": release.version},
                )
                return HttpResponseRedirect(reverse("admin:occupations_release_changelist"))
        latest = Release.objects.latest_first().first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Issue a release"),
            "form": form,
            "latest": latest,
        }
        return TemplateResponse(request, "admin/occupations/release/issue.html", context)
