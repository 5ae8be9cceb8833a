"""Importing draft occupations from real files: started from a consultation's page (the
consultation is chosen on the form, and rows may leave its column empty), with a downloadable
XLSX template whose second sheet explains each column and shows an example row.

The template is written with openpyxl, which django-import-export already uses to read XLSX.
"""

from __future__ import annotations

import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from consult.admin.draft_resource import DraftOccupationResource
from consult.models import Consultation
from occupations.admin.registry import parse_pk

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _consultation_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("consultation"),
        queryset=Consultation.objects.drafting().order_by("title"),
        required=False,
        help_text=_(
            "Rows whose “consultation” column is empty go into this consultation; a row naming "
            "another one is refused."
        ),
    )


class DraftImportForm(ImportForm):
    consultation = _consultation_field()


class DraftConfirmImportForm(ConfirmImportForm):
    consultation = _consultation_field()


def column_help() -> list[tuple[str, str, str]]:
    """(column, what it holds, example) for every column of the template, in order."""
    return [
        (
            "consultation",
            gettext("The consultation's slug; empty when the import is started from its page."),
            "draft-list-2026",
        ),
        ("position", gettext("The draft's place in the list: 1, 2, 3…"), "1"),
        ("name", gettext("The occupation's name."), "氢能生产员"),
        ("proposed_code", gettext("Optional: D-DD-DD-DD."), "6-28-01-17"),
        (
            "definition",
            gettext("The definition, one paragraph."),
            "从事氢气制取、储运设备操作与维护的人员。",
        ),
        (
            "tasks",
            gettext(
                "Main tasks: one per line, or separated by “；” or “;”. Numbering such as "
                "“1、” or “（1）” is removed."
            ),
            "1、操作电解水制氢设备；2、检查、维护储氢装置",
        ),
        (
            "job_types",
            gettext("Job types: one per line, or separated by “、”, “；” or “;”."),
            "电解水制氢工、储氢工",
        ),
        (
            "alternative_names",
            gettext("Other names, in the language of the name: as job types."),
            "制氢工",
        ),
        (
            "language",
            gettext("The language of the name and other names: zh-hans or en; empty: zh-hans."),
            "zh-hans",
        ),
        (
            "translated_name",
            gettext("Optional: the name in the other language."),
            "Hydrogen producer",
        ),
        (
            "translated_alternative_names",
            gettext("Optional: other names in the other language, as job types."),
            "Hydrogen production worker",
        ),
        ("green", gettext("A green occupation: yes/no, 是/否 or 1/0."), "yes"),
        ("digital", gettext("A digital occupation: yes/no, 是/否 or 1/0."), "no"),
        ("group", gettext("The major group's code, 1 to 8."), "6"),
        (
            "justification",
            gettext(
                "Why the draft is a new occupation although it is near a published occupation, "
                "job type or another consultation's draft: required when it is that near."
            ),
            "",
        ),
    ]


def template_workbook(consultation: Consultation | None) -> bytes:
    """The import template: a "drafts" sheet with the header row (first: the importer reads
    it), and an "instructions" sheet with each column's meaning and an example row."""
    book = Workbook()
    data = book.active
    data.title = "drafts"
    columns = column_help()
    data.append([name for name, _help, _example in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    if consultation is not None:
        data.append([consultation.slug])
    instructions = book.create_sheet("instructions")
    instructions.append([gettext("How to fill in the “drafts” sheet")])
    instructions["A1"].font = Font(bold=True, size=13)
    instructions.append(
        [gettext("One row per draft occupation. Keep the header row as it is. Save as XLSX.")]
    )
    instructions.append([])
    instructions.append([gettext("column"), gettext("what it holds"), gettext("example")])
    for cell in instructions[4]:
        cell.font = Font(bold=True)
    for row in columns:
        instructions.append(list(row))
    instructions.append([])
    instructions.append([gettext("An example row, as it would be typed on the “drafts” sheet:")])
    instructions.append([name for name, _help, _example in columns])
    instructions.append([example for _name, _help, example in columns])
    instructions.column_dimensions["A"].width = 20
    instructions.column_dimensions["B"].width = 70
    instructions.column_dimensions["C"].width = 40
    for row in instructions.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class DraftImportMixin:
    """A DraftOccupationAdmin mixin: the import form's consultation and the template."""

    import_form_class = DraftImportForm
    confirm_form_class = DraftConfirmImportForm
    import_template_name = "admin/consult/draftoccupation/import.html"

    def get_import_form_initial(self, request):
        initial = super().get_import_form_initial(request)
        pk = parse_pk(request.GET.get("consultation"))
        if pk is not None:
            initial["consultation"] = pk
        return initial

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None and import_form.cleaned_data.get("consultation"):
            initial["consultation"] = import_form.cleaned_data["consultation"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        cleaned = getattr(form, "cleaned_data", None) or {}
        if cleaned.get("consultation") is not None:
            resource_kwargs["consultation"] = cleaned["consultation"]
        return resource_kwargs

    def get_urls(self):
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name="consult_draftoccupation_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        pk = parse_pk(request.GET.get("consultation"))
        consultation = Consultation.objects.filter(pk=pk).first() if pk is not None else None
        response = HttpResponse(template_workbook(consultation), content_type=XLSX)
        name = f"draft-occupations-{consultation.slug if consultation else 'template'}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


__all__ = ["DraftImportMixin", "DraftOccupationResource", "template_workbook"]
