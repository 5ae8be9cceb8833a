"""Staff admin of the registry.

Batches and occupations are published through the consultation workflow (or the historic seed
import) and are read-only here; only their skill standards are edited. A standard is attached
by ``occupations.workflow.attach_skill_standard`` (the add view); its level set and a level's
tables are written by ``set_standard_levels`` (through ``set_level_tables`` for one level), and
the forms check them with the same validators first. The transition log is read-only.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition, WorkflowError
from occupations import exports
from occupations.admin.forms import (
    AttachStandardForm,
    LabelLanguageMixin,
    LinesField,
    add_workflow_error,
    clean_issue_date,
)
from occupations.models import (
    Batch,
    JobType,
    LevelRequirement,
    LevelWeight,
    Occupation,
    SkillStandard,
    StandardLevel,
    Transition,
)
from occupations.workflow import (
    LevelTables,
    RequirementRow,
    WeightRow,
    attach_skill_standard,
    set_level_tables,
    set_standard_levels,
    validate_level_keys,
    validate_weights,
)


def parse_pk(value) -> int | None:
    """A primary key from a query string, or None for anything that is not one (``²`` passes
    ``str.isdigit`` and a 30-digit number overflows the column)."""
    text = str(value or "")
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


class ReadOnlyAdminMixin:
    """Records that only a workflow step creates: viewable, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RefuseUnavailableActionsMixin:
    """An action the user's role does not offer is refused with a message, not ignored."""

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action") if request.method == "POST" else None
        if action and action not in self.get_actions(request):
            self.message_user(
                request,
                gettext("Your role does not allow the action “%(action)s”; nothing was changed.")
                % {"action": action},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)


class WorkflowErrorsAsMessagesMixin(RefuseUnavailableActionsMixin):
    """A refused workflow step inside a save shows as an error message, never a server error.

    The save runs in the admin's transaction, so nothing of the refused save is kept.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class OccupationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Occupation
    fk_name = "batch"
    fields = ["position", "code", "name", "green", "digital"]
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "number", "announced", "slug", "occupation_total", "announced_count"]
    list_filter = ["announced_precision", "authorities"]
    search_fields = ["title", "slug", "notes"]
    ordering = ["-announced_on", "-number"]
    inlines = [OccupationInline]
    # The announcement date as precise as its source ("April 2019"), not the stored day.
    fields = [
        "slug",
        "number",
        "title",
        "language",
        "translated_title",
        "announced",
        "announced_precision",
        "announced_count",
        "authorities",
        "sources",
        "notes",
    ]
    readonly_fields = ["announced"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).with_occupation_count()

    @admin.display(description=_("announced"), ordering="announced_on")
    def announced(self, obj: Batch) -> str:
        return obj.announced_display

    @admin.display(description=_("occupations"), ordering="occupation_total")
    def occupation_total(self, obj: Batch) -> int:
        return obj.occupation_total


class StandardInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The standards of an occupation, listed; they are added and edited on their own page."""

    model = SkillStandard
    fields = ["title", "kind", "edition", "issued"]
    readonly_fields = fields
    show_change_link = True
    extra = 0

    @admin.display(description=_("issued"))
    def issued(self, obj: SkillStandard) -> str:
        # As precise as the source: "May 2021", never 1 May 2021.
        return obj.issued_display


class JobTypeInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The occupation's job types, as its sources give them."""

    model = JobType
    fk_name = "occupation"
    fields = ["position", "name", "language", "other_names", "batch", "cited", "provenance"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("sources"))
    def cited(self, obj: JobType) -> str:
        return "; ".join(f"{source['file']}: {source['quote']}" for source in obj.sources) or "—"


class HasStandardFilter(admin.SimpleListFilter):
    title = _("skill standard")
    parameter_name = "has_standard"

    def lookups(self, request, model_admin):
        return [("yes", _("has a standard")), ("no", _("has no standard"))]

    def queryset(self, request, queryset):
        has = Exists(SkillStandard.objects.filter(occupation=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(has)
        if self.value() == "no":
            return queryset.exclude(has)
        return queryset


@admin.register(Occupation)
class OccupationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "batch", "group", "green", "digital", "standard_total"]
    list_filter = ["batch", "green", "digital", "group", HasStandardFilter]
    search_fields = ["code", "name", "search_text"]
    ordering = ["batch__announced_on", "batch_id", "position"]
    list_select_related = ["batch", "group"]
    inlines = [JobTypeInline, StandardInline]
    show_full_result_count = False
    change_form_template = "admin/occupations/occupation/change_form.html"
    change_list_template = "admin/occupations/occupation/change_list.html"
    exclude = ["search_text"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(standard_total=Count("standards"))

    @admin.display(description=_("standards"), ordering="standard_total")
    def standard_total(self, obj: Occupation) -> int:
        return obj.standard_total

    def get_urls(self):
        return [
            path(
                "export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="occupations_occupation_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, fmt: str):
        """Every published occupation as CSV (streamed) or XLSX."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return exports.export_occupations(fmt="xlsx" if fmt == "xlsx" else "csv")


class LevelKeysFormSet(forms.BaseInlineFormSet):
    """The level set must be exactly the standard's kind's (``validate_level_keys``)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        keys = [
            form.cleaned_data["key"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("key")
        ]
        try:
            validate_level_keys(self.instance.kind, keys)
        except WorkflowError as exc:
            raise forms.ValidationError(exc.message) from None


class StandardLevelInline(admin.TabularInline):
    model = StandardLevel
    formset = LevelKeysFormSet
    fields = ["key", "rank", "tables"]
    readonly_fields = ["rank", "tables"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.view_skillstandard")

    @admin.display(description=_("requirements and weights"))
    def tables(self, obj: StandardLevel) -> str:
        if obj.pk is None:
            return ""
        url = reverse("admin:occupations_standardlevel_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Edit the tables"))


class SkillStandardForm(LabelLanguageMixin, forms.ModelForm):
    directions = LinesField(label=_("occupational directions"), max_item_length=200)

    class Meta:
        model = SkillStandard
        fields = [
            "title",
            "language",
            "translated_title",
            "edition",
            "issued_on",
            "issued_precision",
            "authorities",
            "directions",
            "notes",
        ]

    def clean(self) -> dict:
        return clean_issue_date(self, super().clean())


@admin.register(SkillStandard)
class SkillStandardAdmin(WorkflowErrorsAsMessagesMixin, admin.ModelAdmin):
    form = SkillStandardForm
    list_display = ["title", "occupation", "kind", "edition", "issued", "level_total"]
    list_filter = ["kind", "authorities"]
    search_fields = ["title", "occupation__name", "occupation__code"]
    ordering = ["occupation__code", "title"]
    list_select_related = ["occupation"]
    readonly_fields = ["occupation", "kind"]
    filter_horizontal = ["authorities"]
    inlines = [StandardLevelInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(level_total=Count("levels"))

    def get_fields(self, request, obj=None):
        return ["occupation", "kind", *SkillStandardForm.Meta.fields]

    @admin.display(description=_("issued"), ordering="issued_on")
    def issued(self, obj: SkillStandard) -> str:
        return obj.issued_display

    @admin.display(description=_("levels"), ordering="level_total")
    def level_total(self, obj: SkillStandard) -> int:
        return obj.level_total

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not StandardLevel:
            return super().save_formset(request, form, formset, change)
        # Sorts the rows into new, changed and deleted levels without writing them (the change
        # message reads the lists); ``set_standard_levels`` writes them.
        formset.save(commit=False)
        if formset.changed_objects:
            # A level keeps its key: a new key on a row would move its tables to another level.
            raise InvalidTransition(
                gettext("Levels cannot swap keys; delete one level and add it again.")
            )
        if not (formset.new_objects or formset.deleted_objects):
            return None
        # Keys as stored: the rows' instances already carry what was posted.
        stored = dict(form.instance.levels.values_list("pk", "key"))
        deleted = {stored[level.pk] for level in formset.deleted_objects}
        kept = [key for key in stored.values() if key not in deleted]
        added = [level.key for level in formset.new_objects]
        set_standard_levels(
            form.instance,
            by=request.user,
            keys=[*kept, *added],
            # A level deleted and added again starts with empty tables, as a new row would.
            tables={key: LevelTables() for key in added if key in deleted},
        )
        return None

    def add_view(self, request, form_url="", extra_context=None):
        """Attach a standard to a published occupation through ``attach_skill_standard``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        occupation_id = parse_pk(request.GET.get("occupation"))
        occupation = None
        if occupation_id is not None:
            occupation = Occupation.objects.filter(pk=occupation_id).first()
        if occupation is None:
            self.message_user(
                request,
                gettext("Choose a published occupation, then “Attach a skill standard”."),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:occupations_occupation_changelist"))
        form = AttachStandardForm(
            request.POST if request.method == "POST" else None, initial={"kind": "technical"}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                standard = attach_skill_standard(
                    occupation,
                    by=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    edition=data["edition"],
                    issued_on=data["issued_on"],
                    issued_precision=data["issued_precision"],
                    authorities=list(data["authorities"]),
                    directions=data["directions"],
                    notes=data["notes"],
                )
            except WorkflowError as exc:
                if not add_workflow_error(form, exc):
                    self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_addition(request, standard, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("The standard “%(title)s” was attached with its %(n)s levels.")
                    % {"title": standard.title, "n": standard.levels.count()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:occupations_skillstandard_change", args=[standard.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Attach a skill standard to %(occupation)s")
            % {"occupation": occupation},
            "occupation": occupation,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/occupations/skillstandard/attach.html", context)


class StandardTablesInline(admin.TabularInline):
    """Rows of a level's tables: edited by whoever may edit standards (``set_level_tables``)."""

    extra = 1

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.view_skillstandard")


class RequirementInline(StandardTablesInline):
    model = LevelRequirement
    fields = [
        "position",
        "work_area",
        "work_content",
        "skill_requirements",
        "knowledge_requirements",
    ]


class WeightFormSet(forms.BaseInlineFormSet):
    """Each weight table sums to 100 (``validate_weights``)."""

    def rows(self) -> list[WeightRow]:
        return [
            WeightRow(
                category=form.cleaned_data["category"],
                item=form.cleaned_data["item"],
                weight=form.cleaned_data["weight"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            validate_weights(self.rows())
        except WorkflowError as exc:
            raise forms.ValidationError(exc.message) from None


class WeightInline(StandardTablesInline):
    model = LevelWeight
    formset = WeightFormSet
    fields = ["category", "item", "weight"]


@admin.register(StandardLevel)
class StandardLevelAdmin(WorkflowErrorsAsMessagesMixin, admin.ModelAdmin):
    """A level's requirement and weight tables, replaced as a whole by ``set_level_tables``."""

    list_display = ["standard", "key", "rank"]
    list_filter = ["kind", "key"]
    search_fields = ["standard__title", "standard__occupation__name"]
    list_select_related = ["standard"]
    ordering = ["standard__title", "rank"]
    fields = ["standard", "kind", "key", "rank"]
    readonly_fields = fields
    inlines = [RequirementInline, WeightInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("occupations.change_skillstandard")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(
            "occupations.view_skillstandard"
        ) or super().has_view_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        """The level itself is not edited here; its tables are saved in ``save_related``."""

    def save_related(self, request, form, formsets, change) -> None:
        requirements: list[tuple[int, RequirementRow]] = []
        weights: list[WeightRow] = []
        for formset in formsets:
            if isinstance(formset, WeightFormSet):
                weights = formset.rows()
                continue
            for order, f in enumerate(formset.forms):
                data = f.cleaned_data
                if not data or data.get("DELETE") or not data.get("work_area"):
                    continue
                requirements.append(
                    (
                        (data.get("position") or 10_000 + order),
                        RequirementRow(
                            work_area=data["work_area"],
                            work_content=data.get("work_content", ""),
                            skill_requirements=data.get("skill_requirements", ""),
                            knowledge_requirements=data.get("knowledge_requirements", ""),
                        ),
                    )
                )
        requirements.sort(key=lambda item: item[0])
        set_level_tables(
            form.instance,
            by=request.user,
            requirements=[row for _position, row in requirements],
            weights=weights,
        )

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"changed": {"fields": [gettext("requirements and weights")]}}]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: every workflow step, never edited."""

    list_display = ["at", "action", "about", "source", "target", "actor", "note"]
    list_filter = ["action", "content_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["action", "note", "actor__username"]
    list_select_related = ["content_type", "actor"]
    ordering = ["-at", "-pk"]
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ["at", "action", "content_type", "object_id", "source", "target", "actor", "note"]

    @admin.display(description=_("object"))
    def about(self, obj: Transition) -> str:
        url = reverse("admin:occupations_transition_object", args=[obj.pk])
        return format_html('<a href="{}">{} #{}</a>', url, obj.content_type.name, obj.object_id)

    def get_urls(self):
        return [
            path(
                "<int:pk>/object/",
                self.admin_site.admin_view(self.object_view),
                name="occupations_transition_object",
            ),
            *super().get_urls(),
        ]

    def object_view(self, request, pk: int):
        """Go to the admin page of the object a transition is about."""
        transition = get_object_or_404(Transition.objects.select_related("content_type"), pk=pk)
        if not self.has_view_permission(request, transition):
            raise PermissionDenied
        ct = transition.content_type
        return HttpResponseRedirect(
            reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[transition.object_id])
        )


@admin.register(LevelRequirement)
class LevelRequirementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requirement rows, for search across standards; edited on their level's page."""

    list_display = ["work_area", "work_content", "level", "position"]
    list_filter = ["level__key"]
    search_fields = ["work_area", "work_content", "skill_requirements", "knowledge_requirements"]
    list_select_related = ["level__standard"]
    ordering = ["level__standard__title", "level__rank", "position"]
    show_full_result_count = False


@admin.register(LevelWeight)
class LevelWeightAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Weight rows, for search across standards; edited on their level's page."""

    list_display = ["item", "category", "weight", "level"]
    list_filter = ["category", "level__key"]
    search_fields = ["item"]
    list_select_related = ["level__standard"]
    ordering = ["level__standard__title", "level__rank", "category", "item"]
    show_full_result_count = False
