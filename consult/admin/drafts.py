"""Staff admin of draft occupations: the text revised through the workflow with its history
and a side-by-side comparison; accept, withdraw and reinstate (``consult.admin.steps``), one
draft at a time or in bulk; import from a spreadsheet with a preview.
"""

from __future__ import annotations

import difflib
import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from consult.admin.confirm import WorkflowStepsMixin
from consult.admin.consultations import DraftListDisplays
from consult.admin.draft_import import DraftImportMixin
from consult.admin.draft_resource import DraftOccupationResource
from consult.admin.forms import DraftOccupationForm, SourcesField, WithdrawForm
from consult.admin.steps import Step
from consult.models import DRAFT_TEXT_FIELDS, Comment, Consultation, DraftOccupation
from consult.workflow import similar
from core.errors import WorkflowError
from occupations.admin.registry import WorkflowErrorsAsMessagesMixin
from occupations.models import ClassificationGroup


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


def nearest_table(near: list[similar.Candidate]) -> str:
    """The nearest list as a table: name, code, what it is, similarity, link."""
    if not near:
        return gettext("Nothing in the registry or other consultations is near this draft.")
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td><td>{}%</td></tr>',
        (
            (
                c.url,
                c.name,
                format_html(" <small>({})</small>", c.under) if c.under else "",
                c.code,
                c.kind_label,
                c.percent,
            )
            for c in near
        ),
    )
    return format_html(
        '<table class="nearest"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
        '</thead><tbody>{}</tbody></table><p class="help">{}</p>',
        gettext("Name"),
        gettext("Code"),
        gettext("Record"),
        gettext("Similarity"),
        rows,
        gettext("From %(threshold)s%% similarity on, a new or renamed draft needs a justification.")
        % {"threshold": round(similar.threshold() * 100)},
    )


class ConsultationStatusFilter(admin.SimpleListFilter):
    title = _("consultation status")
    parameter_name = "consultation_status"

    def lookups(self, request, model_admin):
        return Consultation.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Consultation.Status.values:
            return queryset.filter(consultation__status=self.value())
        return queryset


# What a proposal is and which published records it changes (DraftOccupation.clean() checks
# that each kind names what it needs).
PROPOSAL_FIELDS = ["kind", "target", "target_job_type", "successors", "successor_relation"]


@admin.register(DraftOccupation)
class DraftOccupationAdmin(
    DraftListDisplays,
    WorkflowStepsMixin,
    WorkflowErrorsAsMessagesMixin,
    DraftImportMixin,
    ImportMixin,
    SimpleHistoryAdmin,
):
    form = DraftOccupationForm
    # Published occupations and job types are picked by id: a select of every one of them is
    # not usable at the classification's size.
    raw_id_fields = ["target", "target_job_type", "successors"]
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
    list_filter = ["status", "kind", ConsultationStatusFilter, "consultation", "green", "digital"]
    search_fields = ["name", "proposed_code", "definition", "consultation__title"]
    ordering = ["consultation", "position"]
    list_select_related = ["consultation"]
    show_full_result_count = False
    change_form_template = "admin/consult/draftoccupation/change_form.html"
    actions = ["accept_action", "withdraw_action", "reinstate_action"]
    history_list_display = ["status", "proposed_code", "name"]
    step_object_name = "draft"
    step_select_related = ("consultation",)

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
            return [
                "consultation",
                *PROPOSAL_FIELDS,
                *DraftOccupationForm.Meta.fields,
                "sources",
                "notes",
            ]
        return [
            "consultation",
            *PROPOSAL_FIELDS,
            "position",
            "status",
            "withdrawal_reason",
            "public_explanation",
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
            "justification",
            "nearest_display",
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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # One source a line, as on consultations: the JSON field's own form field turned an
        # empty box into null, which the column refuses (a 500 on the add page).
        if db_field.name == "sources":
            return SourcesField(label=capfirst(db_field.verbose_name))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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

    @admin.display(description=_("nearest published occupations and pending drafts"))
    def nearest_display(self, obj: DraftOccupation) -> str:
        return nearest_table(similar.nearest_to(obj))

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
            steps = self.offered_steps(request, obj)
            if obj.consulted_text:
                url = reverse("admin:consult_draftoccupation_changes", args=[obj.pk])
                steps.append((url, gettext("Changes since consultation")))
            context["draft_steps"] = steps
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/changes/", view(self.changes_view), name="consult_draftoccupation_changes"
            ),
            *super().get_urls(),
        ]

    def changes_view(self, request, pk: int):
        """The consulted text and the current text side by side."""
        draft = self.step_object(request, pk)
        labels = {
            f.name if f.name != "group" else "group_id": f.verbose_name
            for f in DraftOccupation._meta.get_fields()
            if hasattr(f, "verbose_name")
        }
        rows = [
            {
                "field": labels.get(name, name),
                "before": before,
                "after": after,
                "table": side_by_side(
                    before if not isinstance(before, bool | None) else json.dumps(before),
                    after if not isinstance(after, bool | None) else json.dumps(after),
                ),
            }
            for name, (before, after) in draft.changes_since_consultation().items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": draft,
            "draft": draft,
            "title": gettext("Changes to “%(name)s” since the consultation") % {"name": draft.name},
            "change_url": reverse("admin:consult_draftoccupation_change", args=[draft.pk]),
            "rows": rows,
            "consulted": bool(draft.consulted_text),
            "fields": DRAFT_TEXT_FIELDS,
        }
        return TemplateResponse(request, "admin/consult/draftoccupation/changes.html", context)

    # Bulk actions -------------------------------------------------------------------------

    def _each(self, request, queryset, step: Step, **kwargs) -> None:
        done, refused = 0, []
        for draft in queryset:
            try:
                step.function(draft, by=request.user, **kwargs)
            except WorkflowError as exc:
                refused.append(exc.message)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)s draft %(verb)s.", "%(n)s drafts %(verb)s.", done)
                % {"n": done, "verb": step.done},
                messages.SUCCESS,
            )
        for message in sorted(set(refused))[:10]:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Accept the selected drafts"), permissions=["accept"])
    def accept_action(self, request, queryset):
        self._each(request, queryset, self.step("accept"))

    @admin.action(description=_("Withdraw the selected drafts…"), permissions=["withdraw"])
    def withdraw_action(self, request, queryset):
        if "apply" in request.POST:
            form = WithdrawForm(request.POST)
            if form.is_valid():
                self._each(
                    request,
                    queryset,
                    self.step("withdraw"),
                    reason=form.cleaned_data["reason"],
                    public_explanation=form.cleaned_data["public_explanation"],
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

    @admin.action(description=_("Reinstate the selected drafts"), permissions=["reinstate"])
    def reinstate_action(self, request, queryset):
        self._each(request, queryset, self.step("reinstate"))

    def has_accept_permission(self, request) -> bool:
        return self.step_permission(request, "accept")

    def has_withdraw_permission(self, request) -> bool:
        return self.step_permission(request, "withdraw")

    def has_reinstate_permission(self, request) -> bool:
        return self.step_permission(request, "reinstate")
