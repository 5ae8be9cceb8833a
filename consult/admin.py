"""Staff admin of the consultation: draft lists, drafts, comments and their moderation.

Thin by design: every step (open, extend, begin review, publish, revise, accept, withdraw,
reinstate, moderate, set a disposition) is a custom admin view or action that calls the
function in ``consult.workflow`` and shows its refusal as an error message. Status fields are
never form fields. Roles (the groups of ``0002_staff_roles``) decide which buttons and actions a
user sees; the workflow functions check the same permissions again.
"""

from __future__ import annotations

import difflib
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timeuntil
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from consult import exports, workflow
from consult.admin_forms import (
    ConfirmForm,
    DispositionForm,
    DraftOccupationForm,
    ExtendWindowForm,
    PublishForm,
    ReviseDraftForm,
    WithdrawForm,
    add_workflow_error,
    text_changes,
)
from consult.models import (
    DRAFT_TEXT_FIELDS,
    Attachment,
    Comment,
    Consultation,
    DraftOccupation,
    WindowExtension,
)
from consult.reports import build_response_report
from consult.resources import DraftOccupationResource
from core.db.paginators import EstimatedCountPaginator
from core.errors import NotPermitted, WorkflowError, require_permission
from occupations.admin import ReadOnlyAdminMixin, WorkflowErrorsAsMessagesMixin, parse_pk
from occupations.models import ClassificationGroup

admin.site.site_header = _("New occupations: staff")
admin.site.site_title = _("New occupations staff")
admin.site.index_title = _("Consultations and registry")


def refusal(request, model_admin, error: WorkflowError) -> None:
    model_admin.message_user(request, error.message, messages.ERROR)


def permitted(request, model_admin, perm: str, action: str) -> bool:
    """Whether the user holds ``perm``; if not, say so as an error message."""
    try:
        require_permission(request.user, perm, action)
    except NotPermitted as exc:
        refusal(request, model_admin, exc)
        return False
    return True


def report_bulk(request, model_admin, result: workflow.BulkResult, verb: str) -> None:
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
    if not result.changed and not result.refused:
        model_admin.message_user(request, gettext("No comment was changed."), messages.WARNING)


def numbered(items: list) -> str:
    """A list as an HTML ordered list (tasks are numbered: comments cite "task 3")."""
    if not items:
        return "—"
    return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((i,) for i in items)))


def side_by_side(before, after) -> str:
    """An HTML table comparing two values line by line (lists: one item per line)."""

    def lines(value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        if value is None:
            return []
        return str(value).splitlines() or [""]

    return difflib.HtmlDiff(wrapcolumn=60).make_table(
        lines(before),
        lines(after),
        gettext("Text the public commented on"),
        gettext("Current text"),
    )


# Consultations -----------------------------------------------------------------------------


class DraftInline(admin.StackedInline):
    """The draft list, editable while drafting; later, each draft has its own page."""

    model = DraftOccupation
    form = DraftOccupationForm
    fields = [
        ("position", "status", "proposed_code"),
        "name",
        "definition",
        ("tasks", "job_types"),
        "alternative_names",
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
        "withdrawal_reason",
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

    @admin.display(description=_("main tasks"))
    def tasks_display(self, obj: DraftOccupation) -> str:
        return numbered(obj.tasks)

    @admin.display(description=_("job types"))
    def job_types_display(self, obj: DraftOccupation) -> str:
        return "; ".join(obj.job_types) or "—"

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


# The workflow steps of a consultation: (url name, permission, workflow action wording).
CONSULTATION_STEPS = {
    "open": ("consult.open_consultation", _("open a consultation")),
    "extend": ("consult.extend_window", _("extend a comment window")),
    "begin_review": ("consult.begin_review", _("begin a review")),
    "publish": ("consult.publish_consultation", _("publish a consultation")),
}


@admin.register(Consultation)
class ConsultationAdmin(WorkflowErrorsAsMessagesMixin, admin.ModelAdmin):
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
    actions = ["open_action", "extend_action", "begin_review_action", "publish_action"]

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

    def get_fields(self, request, obj=None):
        fields = ["title", "slug", "summary", "opens_at", "closes_at", "sources", "notes"]
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
        return timeuntil(obj.closes_at, now)

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
        consultation = form.instance
        deleted = set(formset.deleted_forms)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        moved = []
        for f in formset.initial_forms:
            if f in deleted:
                f.instance.delete()
                formset.deleted_objects.append(f.instance)
            elif f.has_changed():
                formset.changed_objects.append((f.instance, f.changed_data))
                changes = text_changes(f)
                if changes:
                    workflow.revise_draft(f.instance, by=request.user, changes=changes)
                if "position" in f.changed_data:
                    moved.append(f)
        # Two steps so that swapping two positions never meets the unique constraint.
        for offset, f in enumerate(moved):
            DraftOccupation.objects.filter(pk=f.instance.pk).update(position=30000 + offset)
        for f in moved:
            DraftOccupation.objects.filter(pk=f.instance.pk).update(
                position=f.cleaned_data["position"]
            )
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
            context["workflow_steps"] = self.available_steps(request, obj)
            context["report_url"] = reverse("admin:consult_consultation_report", args=[obj.pk])
            context["comments_url"] = (
                reverse("admin:consult_comment_changelist") + f"?consultation__id__exact={obj.pk}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def available_steps(self, request, obj: Consultation) -> list[tuple[str, str]]:
        """The buttons to show: the user's role and the consultation's status decide."""
        by_status = {
            Consultation.Status.DRAFTING: ["open"],
            Consultation.Status.CONSULTATION: ["extend", "begin_review"],
            Consultation.Status.REVIEW: ["publish"],
        }
        labels = {
            "open": gettext("Open consultation…"),
            "extend": gettext("Extend window…"),
            "begin_review": gettext("Begin review…"),
            "publish": gettext("Publish…"),
        }
        return [
            (reverse(f"admin:consult_consultation_{step}", args=[obj.pk]), labels[step])
            for step in by_status.get(obj.status, [])
            if request.user.has_perm(CONSULTATION_STEPS[step][0])
        ]

    # Custom views ---------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/open/", view(self.open_view), name="consult_consultation_open"),
            path("<int:pk>/extend/", view(self.extend_view), name="consult_consultation_extend"),
            path(
                "<int:pk>/begin-review/",
                view(self.begin_review_view),
                name="consult_consultation_begin_review",
            ),
            path("<int:pk>/publish/", view(self.publish_view), name="consult_consultation_publish"),
            path("<int:pk>/report/", view(self.report_view), name="consult_consultation_report"),
            *super().get_urls(),
        ]

    def _step(
        self,
        request,
        pk: int,
        step: str,
        *,
        form_class,
        perform,
        template,
        extra=None,
        initial=None,
    ):
        """Confirmation page of a workflow step: GET shows what will happen, POST does it."""
        consultation = get_object_or_404(Consultation, pk=pk)
        if not self.has_view_permission(request, consultation):
            raise PermissionDenied
        change_url = reverse("admin:consult_consultation_change", args=[pk])
        perm, action = CONSULTATION_STEPS[step]
        if not permitted(request, self, perm, str(action)):
            return HttpResponseRedirect(change_url)
        form = form_class(
            request.POST if request.method == "POST" else None,
            initial=initial(consultation) if initial else None,
        )
        if request.method == "POST" and form.is_valid():
            try:
                message = perform(consultation, form.cleaned_data)
            except WorkflowError as exc:
                if not add_workflow_error(form, exc):
                    refusal(request, self, exc)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        consultation.refresh_from_db()
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": consultation,
            "consultation": consultation,
            "title": gettext("%(step)s: %(title)s")
            % {"step": str(action).capitalize(), "title": consultation.title},
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
            "now": now,
            "state": consultation.state(now),
            **(extra(consultation) if extra else {}),
        }
        return TemplateResponse(request, f"admin/consult/consultation/{template}", context)

    def open_view(self, request, pk: int):
        def perform(consultation, data):
            workflow.open_consultation(consultation, by=request.user, now=timezone.now())
            return gettext("“%(title)s” is open for public consultation.") % {
                "title": consultation.title
            }

        def extra(consultation):
            drafts = list(consultation.drafts.in_order())
            return {
                "to_freeze": [d for d in drafts if d.status == DraftOccupation.Status.DRAFT],
                "withdrawn": [d for d in drafts if d.status == DraftOccupation.Status.WITHDRAWN],
            }

        return self._step(
            request,
            pk,
            "open",
            form_class=ConfirmForm,
            perform=perform,
            template="open.html",
            extra=extra,
        )

    def extend_view(self, request, pk: int):
        def perform(consultation, data):
            workflow.extend_window(
                consultation,
                by=request.user,
                now=timezone.now(),
                closes_at=data["closes_at"],
                reason=data["reason"],
            )
            return gettext("Comments on “%(title)s” now close at %(at)s.") % {
                "title": consultation.title,
                "at": timezone.localtime(data["closes_at"]).strftime("%Y-%m-%d %H:%M:%S"),
            }

        def extra(consultation):
            return {"extensions": list(consultation.extensions.all())}

        return self._step(
            request,
            pk,
            "extend",
            form_class=ExtendWindowForm,
            perform=perform,
            template="extend.html",
            extra=extra,
            initial=lambda consultation: {"closes_at": timezone.localtime(consultation.closes_at)},
        )

    def begin_review_view(self, request, pk: int):
        def perform(consultation, data):
            workflow.begin_review(consultation, by=request.user, now=timezone.now())
            return gettext("The review of “%(title)s” has begun.") % {"title": consultation.title}

        def extra(consultation):
            comments = consultation.comments.not_spam().aggregate(
                total=Count("pk"),
                received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
            )
            return {"comment_counts": comments}

        return self._step(
            request,
            pk,
            "begin_review",
            form_class=ConfirmForm,
            perform=perform,
            template="begin_review.html",
            extra=extra,
        )

    def publish_view(self, request, pk: int):
        def perform(consultation, data):
            batch = workflow.publish_consultation(
                consultation,
                by=request.user,
                now=timezone.now(),
                slug=data["slug"],
                title=data["title"],
                number=data["number"],
                announced_on=data["announced_on"],
                announced_precision=data["announced_precision"],
                authorities=list(data["authorities"]),
                notes=data["notes"],
            )
            n = batch.occupations.count()
            return ngettext(
                "Published as “%(batch)s” with %(n)s occupation.",
                "Published as “%(batch)s” with %(n)s occupations.",
                n,
            ) % {"batch": batch.title, "n": n}

        def extra(consultation):
            drafts = list(consultation.drafts.in_order())
            return {
                "accepted": [d for d in drafts if d.status == DraftOccupation.Status.ACCEPTED],
                "withdrawn": [d for d in drafts if d.status == DraftOccupation.Status.WITHDRAWN],
                "undecided": [
                    d
                    for d in drafts
                    if d.status in {DraftOccupation.Status.DRAFT, DraftOccupation.Status.PROPOSED}
                ],
                "problems": workflow.publication_problems(consultation),
            }

        return self._step(
            request,
            pk,
            "publish",
            form_class=PublishForm,
            perform=perform,
            template="publish.html",
            extra=extra,
            initial=lambda consultation: {
                "slug": consultation.slug,
                "title": consultation.title,
                "announced_on": timezone.localdate(),
            },
        )

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
            "public": public,
            "change_url": reverse("admin:consult_consultation_change", args=[pk]),
        }
        return TemplateResponse(request, "admin/consult/consultation/report.html", context)

    # Changelist actions: each leads to the confirmation page of one consultation ------------

    def _to_step(self, request, queryset, step: str):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one consultation for this step."), messages.WARNING
            )
            return None
        return HttpResponseRedirect(
            reverse(f"admin:consult_consultation_{step}", args=[queryset.get().pk])
        )

    @admin.action(description=_("Open the selected consultation…"), permissions=["open"])
    def open_action(self, request, queryset):
        return self._to_step(request, queryset, "open")

    @admin.action(
        description=_("Extend the window of the selected consultation…"), permissions=["extend"]
    )
    def extend_action(self, request, queryset):
        return self._to_step(request, queryset, "extend")

    @admin.action(
        description=_("Begin the review of the selected consultation…"),
        permissions=["begin_review"],
    )
    def begin_review_action(self, request, queryset):
        return self._to_step(request, queryset, "begin_review")

    @admin.action(description=_("Publish the selected consultation…"), permissions=["publish"])
    def publish_action(self, request, queryset):
        return self._to_step(request, queryset, "publish")

    def has_open_permission(self, request) -> bool:
        return request.user.has_perm("consult.open_consultation")

    def has_extend_permission(self, request) -> bool:
        return request.user.has_perm("consult.extend_window")

    def has_begin_review_permission(self, request) -> bool:
        return request.user.has_perm("consult.begin_review")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("consult.publish_consultation")


@admin.register(WindowExtension)
class WindowExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Kept extensions of comment windows; made only by the "extend window" step."""

    list_display = ["consultation", "previous_closes_at", "new_closes_at", "by", "at", "reason"]
    list_filter = ["consultation"]
    list_select_related = ["consultation", "by"]
    search_fields = ["reason", "consultation__title"]
    ordering = ["-at"]
    show_full_result_count = False


# Drafts -------------------------------------------------------------------------------------


class ConsultationStatusFilter(admin.SimpleListFilter):
    title = _("consultation status")
    parameter_name = "consultation_status"

    def lookups(self, request, model_admin):
        return Consultation.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Consultation.Status.values:
            return queryset.filter(consultation__status=self.value())
        return queryset


@admin.register(DraftOccupation)
class DraftOccupationAdmin(WorkflowErrorsAsMessagesMixin, ImportMixin, SimpleHistoryAdmin):
    form = DraftOccupationForm
    resource_classes = [DraftOccupationResource]
    list_display = [
        "name",
        "consultation",
        "position",
        "proposed_code",
        "status",
        "revised",
        "comment_total",
    ]
    list_filter = ["status", ConsultationStatusFilter, "consultation", "green", "digital"]
    search_fields = ["name", "proposed_code", "definition", "consultation__title"]
    ordering = ["consultation", "position"]
    list_select_related = ["consultation"]
    show_full_result_count = False
    change_form_template = "admin/consult/draftoccupation/change_form.html"
    actions = ["accept_action", "withdraw_action", "reinstate_action"]
    history_list_display = ["status", "proposed_code", "name"]

    def revert_disabled(self, request, obj=None) -> bool:
        """A draft's text changes only through ``revise_draft``; history is read-only."""
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            self.message_user(
                request,
                gettext("Earlier versions are read-only; use “Revise text” to change the draft."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_queryset(self, request):
        comments = (
            Comment.objects.filter(occupation=OuterRef("pk"))
            .not_spam()
            .order_by()
            .values("occupation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(comment_total=Coalesce(Subquery(comments, output_field=IntegerField()), 0))
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["consultation", *DraftOccupationForm.Meta.fields, "sources", "notes"]
        return [
            "consultation",
            "position",
            "status",
            "withdrawal_reason",
            "occupation",
            "name",
            "proposed_code",
            "definition",
            "tasks_display",
            "job_types_display",
            "alternative_names",
            "green",
            "digital",
            "group",
            "changes_display",
            "notes",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The text changes only through "Revise" (revise_draft keeps the history).
        return [f for f in self.get_fields(request, obj) if f != "notes"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "consultation":
            # New drafts join a draft list only while it is being drafted.
            kwargs["queryset"] = Consultation.objects.drafting()
        if db_field.name == "group":
            kwargs["queryset"] = ClassificationGroup.objects.filter(level="major")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save(update_fields=["notes", "updated_at"])
        else:
            obj._change_reason = "Added to the draft list"
            obj.save()

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.consultation.drafts_are_editable:
            return False
        return super().has_delete_permission(request, obj)

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("consult.add_draftoccupation")

    @admin.display(description=_("revised since consultation"), boolean=True)
    def revised(self, obj: DraftOccupation) -> bool | None:
        if not obj.consulted_text:
            return None
        return bool(obj.changes_since_consultation())

    @admin.display(description=_("comments"), ordering="comment_total")
    def comment_total(self, obj: DraftOccupation) -> str:
        url = reverse("admin:consult_comment_changelist") + f"?occupation__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.comment_total)

    @admin.display(description=_("main tasks"))
    def tasks_display(self, obj: DraftOccupation) -> str:
        return numbered(obj.tasks)

    @admin.display(description=_("job types"))
    def job_types_display(self, obj: DraftOccupation) -> str:
        return "; ".join(obj.job_types) or "—"

    @admin.display(description=_("changes since consultation"))
    def changes_display(self, obj: DraftOccupation) -> str:
        changes = obj.changes_since_consultation()
        if not obj.consulted_text:
            return gettext("Not yet shown to the public.")
        if not changes:
            return gettext("None: the text is as the public saw it.")
        url = reverse("admin:consult_draftoccupation_changes", args=[obj.pk])
        return format_html(
            '{} — <a href="{}">{}</a>',
            ", ".join(changes),
            url,
            gettext("compare side by side"),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["draft_steps"] = self.available_steps(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def available_steps(self, request, obj: DraftOccupation) -> list[tuple[str, str]]:
        user = request.user
        steps = []
        if user.has_perm("consult.change_draftoccupation") and obj.status != "withdrawn":
            steps.append(("revise", gettext("Revise text…")))
        if obj.consulted_text:
            steps.append(("changes", gettext("Changes since consultation")))
        if user.has_perm("consult.accept_draft") and obj.status == "proposed":
            steps.append(("accept", gettext("Accept…")))
        if user.has_perm("consult.withdraw_draft"):
            if obj.status == "withdrawn":
                steps.append(("reinstate", gettext("Reinstate…")))
            else:
                steps.append(("withdraw", gettext("Withdraw…")))
        return [
            (reverse(f"admin:consult_draftoccupation_{name}", args=[obj.pk]), label)
            for name, label in steps
        ]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/revise/", view(self.revise_view), name="consult_draftoccupation_revise"),
            path(
                "<int:pk>/changes/", view(self.changes_view), name="consult_draftoccupation_changes"
            ),
            path("<int:pk>/accept/", view(self.accept_view), name="consult_draftoccupation_accept"),
            path(
                "<int:pk>/withdraw/",
                view(self.withdraw_view),
                name="consult_draftoccupation_withdraw",
            ),
            path(
                "<int:pk>/reinstate/",
                view(self.reinstate_view),
                name="consult_draftoccupation_reinstate",
            ),
            *super().get_urls(),
        ]

    def _draft(self, request, pk: int) -> DraftOccupation:
        draft = get_object_or_404(DraftOccupation.objects.select_related("consultation"), pk=pk)
        if not self.has_view_permission(request, draft):
            raise PermissionDenied
        return draft

    def _render(self, request, draft, template: str, title: str, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": draft,
            "draft": draft,
            "title": title,
            "change_url": reverse("admin:consult_draftoccupation_change", args=[draft.pk]),
            **context,
        }
        if "form" in context:
            context["media"] = self.media + context["form"].media
        return TemplateResponse(request, f"admin/consult/draftoccupation/{template}", context)

    def _draft_step(self, request, pk, *, perm, action, form_class, perform, title, template):
        draft = self._draft(request, pk)
        change_url = reverse("admin:consult_draftoccupation_change", args=[pk])
        if not permitted(request, self, perm, action):
            return HttpResponseRedirect(change_url)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                message = perform(draft, form.cleaned_data)
            except WorkflowError as exc:
                if not add_workflow_error(form, exc):
                    refusal(request, self, exc)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return self._render(request, draft, template, title, form=form)

    def revise_view(self, request, pk: int):
        """Revise the text of a draft (drafting or review) through ``revise_draft``."""
        draft = self._draft(request, pk)
        change_url = reverse("admin:consult_draftoccupation_change", args=[pk])
        if not permitted(
            request, self, "consult.change_draftoccupation", gettext("revise a draft occupation")
        ):
            return HttpResponseRedirect(change_url)
        form = ReviseDraftForm(request.POST if request.method == "POST" else None, instance=draft)
        if request.method == "POST" and form.is_valid():
            changes = text_changes(form)
            try:
                changed = workflow.revise_draft(
                    draft, by=request.user, changes=changes, note=form.cleaned_data["note"]
                )
            except WorkflowError as exc:
                if not add_workflow_error(form, exc):
                    refusal(request, self, exc)
            else:
                if changed:
                    self.message_user(
                        request,
                        gettext("Revised: %(fields)s.") % {"fields": ", ".join(changed)},
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(request, gettext("Nothing changed."), messages.INFO)
                return HttpResponseRedirect(change_url)
        return self._render(
            request,
            draft,
            "revise.html",
            gettext("Revise “%(name)s”") % {"name": draft.name},
            form=form,
        )

    def changes_view(self, request, pk: int):
        """The consulted text and the current text side by side."""
        draft = self._draft(request, pk)
        labels = {
            f.name if f.name != "group" else "group_id": f.verbose_name
            for f in DraftOccupation._meta.get_fields()
            if hasattr(f, "verbose_name")
        }
        rows = []
        for name, (before, after) in draft.changes_since_consultation().items():
            rows.append(
                {
                    "field": labels.get(name, name),
                    "before": before,
                    "after": after,
                    "table": side_by_side(
                        before if not isinstance(before, bool | None) else json.dumps(before),
                        after if not isinstance(after, bool | None) else json.dumps(after),
                    ),
                }
            )
        return self._render(
            request,
            draft,
            "changes.html",
            gettext("Changes to “%(name)s” since the consultation") % {"name": draft.name},
            rows=rows,
            consulted=bool(draft.consulted_text),
            fields=DRAFT_TEXT_FIELDS,
        )

    def accept_view(self, request, pk: int):
        def perform(draft, data):
            workflow.accept_draft(draft, by=request.user)
            return gettext("“%(name)s” is accepted for publication.") % {"name": draft.name}

        return self._draft_step(
            request,
            pk,
            perm="consult.accept_draft",
            action=gettext("accept a draft"),
            form_class=ConfirmForm,
            perform=perform,
            template="accept.html",
            title=gettext("Accept “%(name)s”") % {"name": self._draft(request, pk).name},
        )

    def withdraw_view(self, request, pk: int):
        def perform(draft, data):
            workflow.withdraw_draft(draft, by=request.user, reason=data["reason"])
            return gettext("“%(name)s” is withdrawn.") % {"name": draft.name}

        return self._draft_step(
            request,
            pk,
            perm="consult.withdraw_draft",
            action=gettext("withdraw a draft"),
            form_class=WithdrawForm,
            perform=perform,
            template="withdraw.html",
            title=gettext("Withdraw “%(name)s”") % {"name": self._draft(request, pk).name},
        )

    def reinstate_view(self, request, pk: int):
        def perform(draft, data):
            reinstated = workflow.reinstate_draft(draft, by=request.user)
            return gettext("“%(name)s” is reinstated as %(status)s.") % {
                "name": reinstated.name,
                "status": reinstated.get_status_display(),
            }

        return self._draft_step(
            request,
            pk,
            perm="consult.withdraw_draft",
            action=gettext("reinstate a draft"),
            form_class=ConfirmForm,
            perform=perform,
            template="reinstate.html",
            title=gettext("Reinstate “%(name)s”") % {"name": self._draft(request, pk).name},
        )

    # Bulk actions -------------------------------------------------------------------------

    def _each(self, request, queryset, step, verb: str, **kwargs) -> None:
        done, refused = 0, []
        for draft in queryset:
            try:
                step(draft, by=request.user, **kwargs)
            except WorkflowError as exc:
                refused.append(exc.message)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)s draft %(verb)s.", "%(n)s drafts %(verb)s.", done)
                % {"n": done, "verb": verb},
                messages.SUCCESS,
            )
        for message in sorted(set(refused))[:10]:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Accept the selected drafts"), permissions=["accept"])
    def accept_action(self, request, queryset):
        self._each(request, queryset, workflow.accept_draft, gettext("accepted"))

    @admin.action(description=_("Withdraw the selected drafts…"), permissions=["withdraw"])
    def withdraw_action(self, request, queryset):
        if "apply" in request.POST:
            form = WithdrawForm(request.POST)
            if form.is_valid():
                self._each(
                    request,
                    queryset,
                    workflow.withdraw_draft,
                    gettext("withdrawn"),
                    reason=form.cleaned_data["reason"],
                )
                return None
        else:
            form = WithdrawForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Withdraw drafts"),
            "queryset": queryset,
            "form": form,
            "action": "withdraw_action",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/consult/draftoccupation/withdraw_many.html", context
        )

    @admin.action(description=_("Reinstate the selected drafts"), permissions=["withdraw"])
    def reinstate_action(self, request, queryset):
        self._each(request, queryset, workflow.reinstate_draft, gettext("reinstated"))

    def has_accept_permission(self, request) -> bool:
        return request.user.has_perm("consult.accept_draft")

    def has_withdraw_permission(self, request) -> bool:
        return request.user.has_perm("consult.withdraw_draft")


# Comments -----------------------------------------------------------------------------------


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
    """``?fingerprint=<hash>``, the campaign links' parameter: one campaign's comments, looked
    up through the campaign index (``of_campaign``). Shown only while applied."""

    title = _("campaign text")
    parameter_name = "fingerprint"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name, "")
        return [(value, value[:12] + "…")] if value else []

    def queryset(self, request, queryset):
        if self.value():
            return queryset.of_campaign(self.value())
        return queryset


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
            comment.campaign_size = sizes[(comment.consultation_id, comment.fingerprint)]
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


class CommentForm(forms.ModelForm):
    """Disposition and reply only; ``clean`` asks the comment itself whether it may take them."""

    class Meta:
        model = Comment
        fields = ["disposition", "reply"]
        widgets = {"reply": forms.Textarea(attrs={"rows": 5, "cols": 80})}

    def clean(self):
        data = super().clean()
        if self.instance.pk and {"disposition", "reply"} & set(self.changed_data):
            fresh = Comment.objects.get(pk=self.instance.pk)
            try:
                fresh.set_disposition(
                    disposition=data.get("disposition", ""),
                    reply=data.get("reply", ""),
                    now=timezone.now(),
                )
            except WorkflowError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


MODERATION_VERBS = {
    "publish": _("published"),
    "hide": _("hidden"),
    "mark_spam": _("marked as spam"),
}


@admin.register(Comment)
class CommentAdmin(WorkflowErrorsAsMessagesMixin, admin.ModelAdmin):
    """The moderation queue."""

    form = CommentForm
    list_display = [
        "tracking_number",
        "submitted_at",
        "consultation",
        "target",
        "excerpt",
        "status",
        "disposition",
        "campaign",
        "consent_to_publish",
        "author",
    ]
    list_filter = [
        "status",
        "disposition",
        "consultation",
        "occupation",
        "field",
        CampaignFilter,
        FingerprintFilter,
        ("submitted_at", admin.DateFieldListFilter),
        "consent_to_publish",
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
        "status",
        "submitted_at",
        "body",
        "proposed_text",
        "author_name",
        "organisation",
        "email",
        "consent_to_publish",
        "campaign",
        "replied_at",
    ]
    fields = [*readonly_fields[:-1], "disposition", "reply", "replied_at"]

    def get_changelist(self, request, **kwargs):
        return CommentChangeList

    def get_object(self, request, object_id, from_field=None):
        comment = super().get_object(request, object_id, from_field)
        if comment is not None:
            # The change form shows the campaign column too.
            sizes = Comment.objects.campaign_sizes([comment])
            comment.campaign_size = sizes[(comment.consultation_id, comment.fingerprint)]
        return comment

    def get_list_display_links(self, request, list_display):
        return ["tracking_number"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("consult.set_disposition")

    @admin.display(description=_("on"))
    def target(self, obj: Comment) -> str:
        return obj.target_display

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(90)

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
        url = (
            reverse("admin:consult_comment_changelist")
            + f"?fingerprint={obj.fingerprint}&consultation__id__exact={obj.consultation_id}"
        )
        return format_html('<a href="{}">× {}</a>', url, size)

    def save_model(self, request, obj, form, change) -> None:
        result = workflow.set_disposition(
            [obj],
            by=request.user,
            disposition=form.cleaned_data["disposition"],
            reply=form.cleaned_data["reply"],
            now=timezone.now(),
        )
        if result.refused:
            raise WorkflowError(result.refused[0][1])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.has_perm("consult.moderate_comment"):
            context["moderation_steps"] = [
                (reverse("admin:consult_comment_moderate", args=[obj.pk, action]), label)
                for action, label in (
                    ("publish", gettext("Publish")),
                    ("hide", gettext("Hide")),
                    ("mark_spam", gettext("Mark as spam")),
                )
                if action
                != {"published": "publish", "hidden": "hide", "spam": "mark_spam"}.get(obj.status)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("campaigns/", view(self.campaigns_view), name="consult_comment_campaigns"),
            path(
                "campaigns/<str:fingerprint>/disposition/",
                view(self.campaign_disposition_view),
                name="consult_comment_campaign_disposition",
            ),
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
            *super().get_urls(),
        ]

    # Moderation ---------------------------------------------------------------------------

    def _moderate(self, request, queryset, action: str) -> None:
        try:
            result = workflow.moderate_comments(queryset, by=request.user, action=action)
        except WorkflowError as exc:
            refusal(request, self, exc)
            return
        report_bulk(request, self, result, str(MODERATION_VERBS[action]))

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
                self._set_disposition(request, queryset, form.cleaned_data)
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

    def _set_disposition(self, request, comments, data) -> None:
        try:
            result = workflow.set_disposition(
                comments,
                by=request.user,
                disposition=data["disposition"],
                reply=data["reply"],
                now=timezone.now(),
            )
        except WorkflowError as exc:
            refusal(request, self, exc)
            return
        report_bulk(request, self, result, gettext("given a disposition"))

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("consult.moderate_comment")

    def has_disposition_permission(self, request) -> bool:
        return request.user.has_perm("consult.set_disposition")

    def moderate_view(self, request, pk: int, action: str):
        """One comment's moderation button (POST only)."""
        comment = get_object_or_404(Comment, pk=pk)
        change_url = reverse("admin:consult_comment_change", args=[pk])
        if request.method != "POST" or action not in MODERATION_VERBS:
            return HttpResponseRedirect(change_url)
        self._moderate(request, Comment.objects.filter(pk=comment.pk), action)
        return HttpResponseRedirect(change_url)

    # Campaigns ----------------------------------------------------------------------------

    def _campaign_comments(self, request):
        comments = Comment.objects.all()
        consultation = request.GET.get("consultation") or request.POST.get("consultation")
        if parse_pk(consultation) is not None:
            comments = comments.filter(consultation_id=parse_pk(consultation))
        return comments, consultation

    def campaigns_view(self, request):
        """Campaigns (identical normalised texts) as one row each, largest first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        comments, consultation = self._campaign_comments(request)
        campaigns = comments.campaigns().annotate(
            sample=Min("body"),
            first=Min("submitted_at"),
            consultation_id=Min("consultation_id"),
            pending=Count("pk", filter=Q(disposition=Comment.Disposition.PENDING)),
            received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
        )
        page = Paginator(campaigns, 100).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Campaigns"),
            "page": page,
            "consultation": consultation,
            "consultations": Consultation.objects.public().order_by("-opens_at"),
            "changelist_url": reverse("admin:consult_comment_changelist"),
            "can_set_disposition": self.has_disposition_permission(request),
        }
        return TemplateResponse(request, "admin/consult/comment/campaigns.html", context)

    def campaign_disposition_view(self, request, fingerprint: str):
        """One disposition and reply for every (non-spam) comment of a campaign."""
        back = reverse("admin:consult_comment_campaigns")
        if not permitted(request, self, "consult.set_disposition", gettext("record dispositions")):
            return HttpResponseRedirect(back)
        comments, consultation = self._campaign_comments(request)
        members = comments.of_campaign(fingerprint).not_spam()
        if not members.exists():
            raise Http404(gettext("No such campaign."))
        form = DispositionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            self._set_disposition(request, members, form.cleaned_data)
            if consultation:
                back += f"?consultation={consultation}"
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Disposition for a campaign of %(n)s comments")
            % {"n": members.count()},
            "sample": members.order_by("submitted_at").first(),
            "count": members.count(),
            "form": form,
            "consultation": consultation,
        }
        return TemplateResponse(request, "admin/consult/comment/campaign_disposition.html", context)

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
