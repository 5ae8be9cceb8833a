"""Staff admin of consultations: the draft list with its window, edited inline while drafting;
the steps open, extend, begin review and publish (``consult.admin.steps``); the response report.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.admin.confirm import WorkflowStepsMixin
from consult.admin.decide import DecideDraftsMixin
from consult.admin.forms import (
    DraftOccupationForm,
    SourcesField,
    text_changes,
    validate_public_slug,
)
from consult.admin.handoffs import handoff
from consult.clustering import rebuild_campaigns
from consult.models import Consultation, DraftOccupation, WindowExtension
from consult.reporting.analysis import build_analysis
from consult.reporting.changes import draft_changes
from consult.reporting.report import build_response_report
from consult.workflow.drafts import revise_draft
from core import durations
from occupations.admin.registry import ReadOnlyAdminMixin, WorkflowErrorsAsMessagesMixin
from occupations.models import ClassificationGroup


def numbered(items: list) -> str:
    """A list as an HTML ordered list (tasks are numbered: comments cite "task 3")."""
    if not items:
        return "—"
    return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((i,) for i in items)))


class DraftListDisplays:
    """How the draft admin and the draft list inline show a draft's list fields."""

    @admin.display(description=_("main tasks"))
    def tasks_display(self, obj: DraftOccupation) -> str:
        return numbered(obj.tasks)

    @admin.display(description=_("job types"))
    def job_types_display(self, obj: DraftOccupation) -> str:
        return "; ".join(obj.job_types) or "—"


CONSULTATION_SLUG_HELP = _(
    "The permanent public address, /consultations/ followed by the slug: lower-case ASCII "
    "letters, digits and hyphens, with at least one letter, e.g. draft-list-2026. It cannot "
    "change once the consultation is open."
)


class DraftInline(DraftListDisplays, admin.StackedInline):
    """The draft list, editable while drafting; later, each draft has its own page."""

    model = DraftOccupation
    form = DraftOccupationForm
    fields = [
        ("position", "status", "proposed_code"),
        "name",
        "definition",
        ("tasks", "job_types"),
        "alternative_names",
        ("language", "translated_name"),
        "translated_alternative_names",
        ("green", "digital", "group"),
    ]
    readonly_fields = ["status"]
    ordering = ["position", "pk"]
    extra = 0
    show_change_link = True
    # Once the list is public, the drafts are shown read-only with their lists as lists.
    public_fields = [
        ("position", "status", "proposed_code"),
        "name",
        "definition",
        ("tasks_display", "job_types_display"),
        "alternative_names_display",
        ("green", "digital", "group"),
        ("withdrawal_reason", "public_explanation"),
    ]

    def _drafting(self, obj) -> bool:
        return obj is None or obj.drafts_are_editable

    def get_fields(self, request, obj=None):
        return self.fields if self._drafting(obj) else self.public_fields

    def get_readonly_fields(self, request, obj=None):
        if self._drafting(obj):
            return self.readonly_fields
        return [
            name for row in self.public_fields for name in ((row,) if isinstance(row, str) else row)
        ]

    @admin.display(description=_("alternative names"))
    def alternative_names_display(self, obj: DraftOccupation) -> str:
        return "; ".join(obj.alternative_names) or "—"

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._drafting(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._drafting(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._drafting(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            kwargs["queryset"] = ClassificationGroup.objects.filter(level="major")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ExtensionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WindowExtension
    fields = ["at", "previous_closes_at", "new_closes_at", "reason", "by"]
    readonly_fields = fields
    extra = 0

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("consult.view_consultation")


@admin.register(Consultation)
class ConsultationAdmin(
    DecideDraftsMixin, WorkflowStepsMixin, WorkflowErrorsAsMessagesMixin, admin.ModelAdmin
):
    list_display = [
        "title",
        "status",
        "state_display",
        "opens_at",
        "closes_at",
        "time_left_display",
        "draft_total",
        "comment_total",
    ]
    list_filter = ["status"]
    search_fields = ["title", "slug", "summary"]
    ordering = ["-opens_at", "-pk"]
    list_select_related = ["batch"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [DraftInline, ExtensionInline]
    show_full_result_count = False
    change_form_template = "admin/consult/consultation/change_form.html"

    step_object_name = "consultation"
    step_needs_one = _("Select exactly one consultation for this step.")
    actions = ["rebuild_campaigns_action"]

    @admin.action(
        description=_("Recompute the campaigns of the selected consultations"),
        permissions=["moderate"],
    )
    def rebuild_campaigns_action(self, request, queryset):
        """Queue a rebuild of each consultation's near-duplicate campaigns for the worker
        (``consult.clustering.rebuild``): minutes for a large consultation."""
        slugs = []
        for consultation in queryset:
            rebuild_campaigns.enqueue(consultation.pk)
            slugs.append(consultation.slug)
        self.message_user(
            request,
            gettext(
                "The campaigns of %(slugs)s will be recomputed by the worker in the next "
                "minutes; until then the pages show the campaigns as they were."
            )
            % {"slugs": ", ".join(slugs)},
            messages.SUCCESS,
        )

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("consult.moderate_comment")

    def get_queryset(self, request):
        drafts = (
            DraftOccupation.objects.filter(consultation=OuterRef("pk"))
            .order_by()
            .values("consultation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .with_comment_count()
            .annotate(draft_total=Coalesce(Subquery(drafts, output_field=IntegerField()), 0))
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "sources":
            return SourcesField(label=capfirst(db_field.verbose_name))
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "slug" and field is not None:
            field.help_text = CONSULTATION_SLUG_HELP
            field.validators.append(validate_public_slug)
        return field

    def get_fields(self, request, obj=None):
        fields = [
            "title",
            "slug",
            "summary",
            "text_source",
            "opens_at",
            "closes_at",
            "sources",
            "notes",
        ]
        if obj is not None:
            fields[2:2] = ["status", "state_display", "time_left_display", "batch"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "state_display", "time_left_display", "batch"]
        if obj is not None and not obj.drafts_are_editable:
            # After opening, the window moves only through "extend window" (kept and logged).
            readonly += ["slug", "opens_at", "closes_at"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and not obj.drafts_are_editable:
            return {}
        return super().get_prepopulated_fields(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.drafts_are_editable:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("state"))
    def state_display(self, obj: Consultation) -> str:
        state = obj.state(timezone.now())
        return Consultation.State(state).label if state else "—"

    @admin.display(description=_("time left"))
    def time_left_display(self, obj: Consultation) -> str:
        now = timezone.now()
        left = obj.time_left(now)
        if left is None:
            return "—"
        return durations.time_left(left)

    @admin.display(description=_("drafts"), ordering="draft_total")
    def draft_total(self, obj: Consultation) -> int:
        return obj.draft_total

    @admin.display(description=_("comments"), ordering="comment_total")
    def comment_total(self, obj: Consultation) -> str:
        url = reverse("admin:consult_comment_changelist") + f"?consultation__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.comment_total)

    # Saving: drafts edited inline go through revise_draft --------------------------------

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not DraftOccupation:
            return super().save_formset(request, form, formset, change)
        deleted = set(formset.deleted_forms)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        moved = []
        for f in formset.initial_forms:
            if f in deleted:
                f.instance.delete()
                formset.deleted_objects.append(f.instance)
            elif f.has_changed():
                formset.changed_objects.append((f.instance, f.changed_data))
                self._revise_inline(request, f)
                if "position" in f.changed_data:
                    moved.append(f)
        self._move(moved)
        self._add_drafts(form.instance, formset, deleted)

    @staticmethod
    def _revise_inline(request, f) -> None:
        changes = text_changes(f)
        if changes:
            revise_draft(f.instance, by=request.user, changes=changes)

    @staticmethod
    def _move(moved: list) -> None:
        # Two steps so that swapping two positions never meets the unique constraint.
        for offset, f in enumerate(moved):
            DraftOccupation.objects.filter(pk=f.instance.pk).update(position=30000 + offset)
        for f in moved:
            DraftOccupation.objects.filter(pk=f.instance.pk).update(
                position=f.cleaned_data["position"]
            )

    @staticmethod
    def _add_drafts(consultation: Consultation, formset, deleted: set) -> None:
        for f in formset.extra_forms:
            if f in deleted or not f.has_changed():
                continue
            draft = f.save(commit=False)
            draft.consultation = consultation
            draft._change_reason = "Added to the draft list"
            draft.save()
            formset.new_objects.append(draft)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            self.message_user(
                request,
                gettext("Two drafts cannot share a position in the list; nothing was saved."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["workflow_steps"] = self.offered_steps(request, obj)
            context["held_back_steps"] = self.held_back_steps(request, obj)
            context["handoff"] = handoff(obj, timezone.now())
            if obj.drafts_are_editable and request.user.has_perm("consult.add_draftoccupation"):
                context["import_url"] = (
                    reverse("admin:consult_draftoccupation_import") + f"?consultation={obj.pk}"
                )
            if obj.status == Consultation.Status.REVIEW and self.may_decide(request.user):
                context["decide_url"] = reverse("admin:consult_consultation_decide", args=[obj.pk])
            context["report_url"] = reverse("admin:consult_consultation_report", args=[obj.pk])
            context["analysis_url"] = reverse("admin:consult_consultation_analysis", args=[obj.pk])
            context["comments_url"] = (
                reverse("admin:consult_comment_changelist") + f"?consultation__id__exact={obj.pk}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/report/", view(self.report_view), name="consult_consultation_report"),
            path(
                "<int:pk>/analysis/",
                view(self.analysis_view),
                name="consult_consultation_analysis",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request, pk: int):
        """The response report as staff see it: every non-spam comment's text."""
        consultation = get_object_or_404(Consultation, pk=pk)
        if not self.has_view_permission(request, consultation):
            raise PermissionDenied
        public = request.GET.get("public") == "1"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": consultation,
            "title": gettext("Response report: %(title)s") % {"title": consultation.title},
            "report": build_response_report(consultation, public=public),
            "answers": draft_changes(
                list(consultation.drafts.public().in_order().select_related("occupation")),
                public=public,
            ),
            "public": public,
            "change_url": reverse("admin:consult_consultation_change", args=[pk]),
        }
        return TemplateResponse(request, "admin/consult/consultation/report.html", context)

    def analysis_view(self, request, pk: int):
        """The analysis of what was said, with its charts: the same counts as the public
        report's, shown to staff at any stage."""
        consultation = get_object_or_404(Consultation, pk=pk)
        if not self.has_view_permission(request, consultation):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": consultation,
            "title": gettext("Analysis: %(title)s") % {"title": consultation.title},
            "analysis": build_analysis(consultation),
            "public_url": reverse("consultation-report", args=[consultation.slug])
            if consultation.report_is_public
            else "",
            "change_url": reverse("admin:consult_consultation_change", args=[pk]),
        }
        return TemplateResponse(request, "admin/consult/consultation/analysis.html", context)


@admin.register(WindowExtension)
class WindowExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Kept extensions of comment windows; made only by the "extend window" step."""

    list_display = ["consultation", "previous_closes_at", "new_closes_at", "by", "at", "reason"]
    list_filter = ["consultation"]
    list_select_related = ["consultation", "by"]
    search_fields = ["reason", "consultation__title"]
    ordering = ["-at"]
    show_full_result_count = False
