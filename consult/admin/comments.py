"""Staff admin of comments: the moderation queue with its campaign column, moderation and
dispositions (``consult.admin.steps``), attachments, exports; campaigns in
``consult.admin.campaigns``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consult.admin import exports
from consult.admin.campaigns import CampaignsMixin
from consult.admin.confirm import WorkflowStepsMixin, refusal
from consult.admin.forms import CommentReplyForm, DispositionForm, ReinstateForm
from consult.models import Attachment, Comment, DraftOccupation
from consult.models.comments import ANSWERABLE_DISPOSITIONS
from consult.workflow import withdrawal
from consult.workflow.moderation import BulkResult, link_answering_revision, set_disposition
from core.db.paginators import EstimatedCountPaginator
from core.errors import WorkflowError
from occupations.admin.registry import ReadOnlyAdminMixin, WorkflowErrorsAsMessagesMixin, parse_pk


def report_bulk(request, model_admin, result: BulkResult, verb: str) -> None:
    """Tell how many comments changed and why the others were refused."""
    if result.changed:
        model_admin.message_user(
            request,
            ngettext("%(n)s comment %(verb)s.", "%(n)s comments %(verb)s.", len(result.changed))
            % {"n": len(result.changed), "verb": verb},
            messages.SUCCESS,
        )
    if result.refused:
        reasons = sorted({reason for _comment, reason in result.refused})
        model_admin.message_user(
            request,
            ngettext(
                "%(n)s comment refused: %(why)s",
                "%(n)s comments refused: %(why)s",
                len(result.refused),
            )
            % {"n": len(result.refused), "why": " ".join(reasons[:5])},
            messages.ERROR,
        )
    if result.kept_private:
        model_admin.message_user(
            request,
            ngettext(
                "%(n)s comment kept private (moderated, never shown): its author did not "
                "consent to publication.",
                "%(n)s comments kept private (moderated, never shown): their authors did not "
                "consent to publication.",
                len(result.kept_private),
            )
            % {"n": len(result.kept_private)},
            messages.SUCCESS,
        )
    if not result.changed and not result.refused and not result.kept_private:
        model_admin.message_user(request, gettext("No comment was changed."), messages.WARNING)


class CampaignFilter(admin.SimpleListFilter):
    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        return [("yes", _("part of a campaign")), ("no", _("single comment"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.in_campaign()
        if self.value() == "no":
            return queryset.in_campaign(member=False)
        return queryset


class FingerprintFilter(admin.SimpleListFilter):
    """``?fingerprint=<hash>``: the comments of one identical normalised text, with the
    consultation filter (``consultation__id__exact``) in that consultation, without it in
    every consultation. Shown only while applied."""

    title = _("campaign text")
    parameter_name = "fingerprint"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name, "")
        return [(value, value[:12] + "…")] if value else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        consultation = parse_pk(request.GET.get("consultation__id__exact"))
        if consultation is None:
            return queryset.filter(fingerprint=self.value())
        return queryset.filter(consultation_id=consultation, fingerprint=self.value())


CONSULTATION_PARAMETER = "consultation__id__exact"


def consulted_text_of(comment: Comment) -> str:
    """The text of the part ``comment`` is about, as frozen when the consultation opened (the
    current text for a draft never consulted); "—" for a comment on the whole list."""
    draft = comment.occupation
    if draft is None:
        return "—"
    text = draft.consulted_text or draft.text()
    part = comment.field
    if part == Comment.Field.TASK:
        tasks = text.get("tasks") or []
        number = comment.task_number or 0
        return tasks[number - 1] if 0 < number <= len(tasks) else "—"
    if part == Comment.Field.MARKERS:
        marks = [
            str(label)
            for key, label in (("green", _("green")), ("digital", _("digital")))
            if text.get(key)
        ]
        return ", ".join(marks) or gettext("neither green nor digital")
    key = {
        "name": "name",
        "code": "proposed_code",
        "definition": "definition",
        "job_types": "job_types",
    }.get(part)
    if key is None:
        return text.get("definition") or "—"
    value = text.get(key)
    if isinstance(value, list):
        return "; ".join(value) or "—"
    return value or "—"


def neighbours(comment: Comment) -> dict[str, str | None]:
    """The change URLs of the previous and next comments of the same consultation, in the
    moderation list's order (newest first)."""
    same = Comment.objects.filter(consultation_id=comment.consultation_id)
    newer = (
        same.filter(submitted_at__gte=comment.submitted_at)
        .exclude(submitted_at=comment.submitted_at, pk__lte=comment.pk)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    older = (
        same.filter(submitted_at__lte=comment.submitted_at)
        .exclude(submitted_at=comment.submitted_at, pk__gte=comment.pk)
        .order_by("-submitted_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    url = "admin:consult_comment_change"
    return {
        "previous": reverse(url, args=[newer]) if newer else None,
        "next": reverse(url, args=[older]) if older else None,
    }


class OccupationFilter(admin.SimpleListFilter):
    """The draft occupations of the consultation the list is filtered by (none is offered
    before one is chosen: a list of every draft of every consultation helps nobody)."""

    title = _("occupation")
    parameter_name = "occupation__id__exact"

    def lookups(self, request, model_admin):
        consultation = parse_pk(request.GET.get(CONSULTATION_PARAMETER))
        if consultation is None:
            return []
        drafts = DraftOccupation.objects.filter(consultation_id=consultation).in_order()
        return [
            (str(pk), f"{position}. {name}")
            for pk, position, name in drafts.values_list("pk", "position", "name")
        ]

    def queryset(self, request, queryset):
        pk = parse_pk(self.value())
        return queryset.filter(occupation_id=pk) if pk is not None else queryset


class CommentChangeList(ChangeList):
    """The comment changelist: campaign sizes for the page's rows only, in one grouped query
    after the page is sliced (a size per row of the whole table, computed before ``OFFSET``,
    made a middle page of a large table never finish)."""

    def get_results(self, request) -> None:
        super().get_results(request)
        page = self.result_list
        # Read when the page is shown, not when the changelist is built: the export view builds
        # one for its filters and never shows the page.
        self.result_list = SimpleLazyObject(lambda: self._with_campaign_sizes(page))

    @staticmethod
    def _with_campaign_sizes(page) -> list[Comment]:
        rows = list(page)
        sizes = Comment.objects.campaign_sizes(rows)
        for comment in rows:
            comment.campaign_size = sizes[comment.pk]
        return rows


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ["download", "content_type", "size"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:consult_attachment_download", args=[obj.pk]),
            obj.original_name,
        )


@admin.register(Comment)
class CommentAdmin(
    CampaignsMixin, WorkflowStepsMixin, WorkflowErrorsAsMessagesMixin, admin.ModelAdmin
):
    """The moderation queue."""

    form = CommentReplyForm
    # What a moderator decides on comes first, so that it stays in view on a 1366 px screen.
    list_display = [
        "excerpt",
        "status",
        "disposition",
        "consent_to_publish",
        "target",
        "author",
        "campaign",
        "consultation",
        "submitted_at",
        "tracking_number",
    ]
    list_filter = [
        "status",
        "disposition",
        "consultation",
        OccupationFilter,
        "field",
        CampaignFilter,
        FingerprintFilter,
        ("submitted_at", admin.DateFieldListFilter),
        "consent_to_publish",
        "withdrawal",
    ]
    search_fields = ["body", "proposed_text", "=tracking_number", "author_name", "organisation"]
    ordering = ["-submitted_at", "-pk"]
    list_select_related = ["consultation", "occupation"]
    list_per_page = 100
    # No COUNT(*) over every comment on each page: see EstimatedCountPaginator.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [AttachmentInline]
    change_form_template = "admin/consult/comment/change_form.html"
    change_list_template = "admin/consult/comment/change_list.html"
    actions = ["publish_action", "hide_action", "mark_spam_action", "disposition_action"]
    readonly_fields = [
        "tracking_number",
        "consultation",
        "target",
        "consulted_part",
        "status",
        "submitted_at",
        "body",
        "proposed_text",
        "author_name",
        "organisation",
        "email",
        "consent_to_publish",
        "withdrawal",
        "withdrawn_at",
        "campaign",
        "replied_at",
    ]
    fields = [*readonly_fields[:-1], "disposition", "reply", "answering_revision", "replied_at"]

    def get_changelist(self, request, **kwargs):
        return CommentChangeList

    def get_object(self, request, object_id, from_field=None):
        comment = super().get_object(request, object_id, from_field)
        if comment is not None:
            # The change form shows the campaign column too.
            sizes = Comment.objects.campaign_sizes([comment])
            comment.campaign_size = sizes[comment.pk]
        return comment

    def get_list_display_links(self, request, list_display):
        return ["excerpt"]

    def get_list_display(self, request):
        """Once filtered by one consultation, its column would repeat one title on every row."""
        if request.GET.get(CONSULTATION_PARAMETER):
            return [name for name in self.list_display if name != "consultation"]
        return self.list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return self.step_permission(request, "set_disposition")

    @admin.display(description=_("on"))
    def target(self, obj: Comment) -> str:
        return obj.target_display

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(90)

    @admin.display(description=_("text as consulted"))
    def consulted_part(self, obj: Comment) -> str:
        """The part of the draft the comment is about, as the public read it (task 3: the
        third task)."""
        return consulted_text_of(obj)

    @admin.display(description=_("author"))
    def author(self, obj: Comment) -> str:
        return " / ".join(part for part in (obj.author_name, obj.organisation) if part) or "—"

    # The page's sizes come from CommentChangeList.get_results. Not sortable: ordering a
    # large table by a per-row count takes minutes; the campaigns view lists the largest first.
    @admin.display(description=_("campaign"))
    def campaign(self, obj: Comment) -> str:
        size = obj.campaign_size
        if size < 2:
            return "—"
        url = reverse("admin:consult_comment_campaign", args=[obj.cluster_id])
        return format_html('<a href="{}">× {}</a>', url, size)

    def save_model(self, request, obj, form, change) -> None:
        result = set_disposition(
            [obj],
            by=request.user,
            disposition=form.cleaned_data["disposition"],
            reply=form.cleaned_data["reply"],
            now=timezone.now(),
        )
        if result.refused:
            raise WorkflowError(result.refused[0][1])
        revision = form.cleaned_data.get("answering_revision")
        if "answering_revision" in form.changed_data or (
            revision is not None and obj.disposition in ANSWERABLE_DISPOSITIONS
        ):
            link_answering_revision(
                obj,
                by=request.user,
                revision_id=revision.history_id if revision is not None else None,
                now=timezone.now(),
            )

    def step_url(self, step, obj) -> str:
        return reverse("admin:consult_comment_moderate", args=[obj.pk, step.name])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["moderation_steps"] = self.offered_steps(request, obj)
            context["neighbours"] = neighbours(obj)
            context["can_reinstate"] = self.has_moderate_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            *self.campaign_urls(),
            path(
                "<int:pk>/moderate/<str:action>/",
                view(self.moderate_view),
                name="consult_comment_moderate",
            ),
            path(
                "attachment/<int:pk>/download/",
                view(self.download_view),
                name="consult_attachment_download",
            ),
            path("export/<str:fmt>/", view(self.export_view), name="consult_comment_export"),
            path(
                "<int:pk>/reinstate/",
                view(self.reinstate_view),
                name="consult_comment_reinstate",
            ),
            *super().get_urls(),
        ]

    # Moderation ---------------------------------------------------------------------------

    def _moderate(self, request, queryset, action: str) -> None:
        step = self.step(action)
        try:
            result = step.function(queryset, by=request.user, action=action)
        except WorkflowError as exc:
            refusal(request, self, exc)
            return
        report_bulk(request, self, result, str(step.done))

    @admin.action(description=_("Publish the selected comments"), permissions=["moderate"])
    def publish_action(self, request, queryset):
        self._moderate(request, queryset, "publish")

    @admin.action(description=_("Hide the selected comments"), permissions=["moderate"])
    def hide_action(self, request, queryset):
        self._moderate(request, queryset, "hide")

    @admin.action(description=_("Mark the selected comments as spam"), permissions=["moderate"])
    def mark_spam_action(self, request, queryset):
        self._moderate(request, queryset, "mark_spam")

    @admin.action(
        description=_("Set a disposition and reply for the selected comments…"),
        permissions=["disposition"],
    )
    def disposition_action(self, request, queryset):
        if "apply" in request.POST:
            form = DispositionForm(request.POST)
            if form.is_valid():
                self.set_disposition(request, queryset, form.cleaned_data)
                return None
        else:
            form = DispositionForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Set a disposition"),
            "comments": queryset.select_related("occupation")[:50],
            "count": queryset.count(),
            "queryset": queryset,
            "form": form,
            "action": "disposition_action",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/consult/comment/disposition.html", context)

    def set_disposition(self, request, comments, data) -> None:
        step = self.step("set_disposition")
        try:
            result = step.function(
                comments,
                by=request.user,
                disposition=data["disposition"],
                reply=data["reply"],
                now=timezone.now(),
            )
        except WorkflowError as exc:
            refusal(request, self, exc)
            return
        report_bulk(request, self, result, str(step.done))

    def has_moderate_permission(self, request) -> bool:
        # Publish, hide and mark as spam share their transitions' permission.
        return self.step_permission(request, "publish")

    def has_disposition_permission(self, request) -> bool:
        return self.step_permission(request, "set_disposition")

    def moderate_view(self, request, pk: int, action: str):
        """One comment's moderation button (POST only)."""
        comment = get_object_or_404(Comment, pk=pk)
        change_url = reverse("admin:consult_comment_change", args=[pk])
        moderation = {step.name for step in self.steps() if step.transition}
        if request.method != "POST" or action not in moderation:
            return HttpResponseRedirect(change_url)
        self._moderate(request, Comment.objects.filter(pk=comment.pk), action)
        return HttpResponseRedirect(change_url)

    def reinstate_view(self, request, pk: int):
        """Put a disputed or withdrawn comment back in public view, with a reason."""
        comment = get_object_or_404(Comment, pk=pk)
        change_url = reverse("admin:consult_comment_change", args=[pk])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = ReinstateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                withdrawal.reinstate(
                    comment, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
                )
            except WorkflowError as exc:
                refusal(request, self, exc)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                gettext("Comment %(number)s is back.") % {"number": comment.tracking_number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Put comment %(number)s back") % {"number": comment.tracking_number},
            "comment": comment,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/consult/comment/reinstate.html", context)

    # Files and exports --------------------------------------------------------------------

    def download_view(self, request, pk: int):
        """Stream an attachment to staff who may see attachments; never through MEDIA_URL."""
        if not request.user.has_perm("consult.view_attachment"):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(gettext("The file of this attachment is missing.")) from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def export_view(self, request, fmt: str):
        """The comments of the changelist's current filters, as CSV (streamed) or XLSX."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(
                request, gettext("The filters of that export are not valid."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:consult_comment_changelist"))
        return exports.export_comments(changelist.queryset, fmt="xlsx" if fmt == "xlsx" else "csv")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "comment", "content_type", "size", "download"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "=comment__tracking_number"]
    list_select_related = ["comment"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = ["comment", "download", "content_type", "size"]
    readonly_fields = fields

    @admin.display(description=_("download"))
    def download(self, obj: Attachment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:consult_attachment_download", args=[obj.pk]),
            obj.original_name,
        )
