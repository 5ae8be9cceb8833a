"""Import of draft occupations from a spreadsheet (CSV or XLSX), with django-import-export's
preview in the admin.

Columns: ``consultation`` (its slug), ``position``, ``name``, ``proposed_code``,
``definition``, ``tasks``, ``job_types``, ``alternative_names`` (lists: see ``split_cell``),
``language`` (of the name and other names: ``zh-hans`` or ``en``, empty for Chinese),
``translated_name`` and ``translated_alternative_names`` (the labels in the other language),
``green``, ``digital`` (1/0, true/false, yes/no), ``group`` (major group code). Started from a
consultation's page, the ``consultation`` column may be left empty. Only new drafts are
created, and only in a consultation that is still being drafted; an existing draft is revised
in the admin, where its history is kept.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from consult.models import Consultation, DraftOccupation
from consult.workflow.similar import justification_error
from occupations.models import ClassificationGroup
from occupations.models.labels import Language

# How items are separated in a cell of a real file: new lines when the cell has several lines
# (a ";" inside a line is then part of its item); otherwise ";" and "；", and for names and job
# types also "、" (the enumeration comma). Not "、" for tasks, where it joins words inside one
# task ("检查、维护设备").
ITEM_SEPARATORS = re.compile(r"[;；]+")
# "1." "1、" "（1）" "(1)" "1)" in front of an item: the list's own numbering, not its text.
ENUMERATOR = re.compile(r"\A\s*(?:[（(]\s*\d{1,3}\s*[)）]|\d{1,3}\s*[.．、)）](?!\d))\s*")


def split_cell(value: str, *, enumeration_commas: bool) -> list[str]:
    """The items of one spreadsheet cell, their numbering removed, blanks dropped."""
    text = value.strip()
    parts = text.splitlines() if "\n" in text else ITEM_SEPARATORS.split(text)
    items = [ENUMERATOR.sub("", part).strip() for part in parts]
    if enumeration_commas:
        items = [word.strip() for item in items for word in item.split("、")]
    return [item for item in items if item]


class ListWidget(widgets.Widget):
    """A list of strings in one cell: items on separate lines, or separated by ";" or "；"
    (and "、" with ``enumeration_commas``)."""

    def __init__(self, *, enumeration_commas: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.enumeration_commas = enumeration_commas

    def clean(self, value, row=None, **kwargs) -> list[str]:
        if value is None or value == "":
            return []
        return split_cell(str(value), enumeration_commas=self.enumeration_commas)

    def render(self, value, obj=None, **kwargs) -> str:
        return "\n".join(value or [])


class BooleanWidget(widgets.BooleanWidget):
    """Also accepts yes/no, 是/否 and an empty cell (no)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and value.strip().lower() in {"yes", "y", "是"}:
            return True
        if value in (None, "") or (
            isinstance(value, str) and value.strip().lower() in {"no", "n", "否"}
        ):
            return False
        return super().clean(value, row=row, **kwargs)


class LanguageWidget(widgets.Widget):
    """The language of a row's labels: ``zh-hans`` or ``en`` in any case, empty for the
    default (Chinese). Any other value is refused by the model's choices, on its column."""

    def clean(self, value, row=None, **kwargs) -> str:
        text = str(value or "").strip().lower()
        return text or Language.ZH_HANS

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class DraftOccupationResource(resources.ModelResource):
    consultation = fields.Field(
        attribute="consultation",
        column_name="consultation",
        widget=widgets.ForeignKeyWidget(Consultation, field="slug"),
    )
    tasks = fields.Field(attribute="tasks", column_name="tasks", widget=ListWidget())
    job_types = fields.Field(
        attribute="job_types",
        column_name="job_types",
        widget=ListWidget(enumeration_commas=True),
    )
    alternative_names = fields.Field(
        attribute="alternative_names",
        column_name="alternative_names",
        widget=ListWidget(enumeration_commas=True),
    )
    language = fields.Field(attribute="language", column_name="language", widget=LanguageWidget())
    translated_alternative_names = fields.Field(
        attribute="translated_alternative_names",
        column_name="translated_alternative_names",
        widget=ListWidget(enumeration_commas=True),
    )
    green = fields.Field(attribute="green", column_name="green", widget=BooleanWidget())
    digital = fields.Field(attribute="digital", column_name="digital", widget=BooleanWidget())
    group = fields.Field(
        attribute="group",
        column_name="group",
        widget=widgets.ForeignKeyWidget(ClassificationGroup, field="code"),
    )

    # An empty cell is no justification (the text field is never null).
    justification = fields.Field(
        attribute="justification",
        column_name="justification",
        widget=widgets.CharWidget(allow_blank=True),
    )

    class Meta:
        model = DraftOccupation
        fields = (
            "consultation",
            "position",
            "name",
            "proposed_code",
            "definition",
            "tasks",
            "job_types",
            "alternative_names",
            "language",
            "translated_name",
            "translated_alternative_names",
            "green",
            "digital",
            "group",
            "justification",
        )
        import_id_fields = ("consultation", "position")
        clean_model_instances = True
        skip_unchanged = False

    def __init__(self, consultation: Consultation | None = None, **kwargs) -> None:
        """``consultation``: the one the import was started from; rows may leave their
        ``consultation`` cell empty, and a row naming another one is refused."""
        super().__init__(**kwargs)
        self.consultation = consultation

    def before_import_row(self, row, **kwargs) -> None:
        slug = str(row.get("consultation") or "").strip()
        if self.consultation is not None:
            if slug and slug != self.consultation.slug:
                raise ValidationError(
                    {
                        "consultation": _(
                            "This row is for “%(slug)s”, but the import was started from "
                            "“%(title)s”."
                        )
                        % {"slug": slug, "title": self.consultation.title}
                    }
                )
            slug = row["consultation"] = self.consultation.slug
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise ValidationError(
                {"consultation": _("No consultation has the slug “%(slug)s”.") % {"slug": slug}}
            )
        if not consultation.drafts_are_editable:
            raise ValidationError(
                {
                    "consultation": _(
                        "“%(title)s” is %(status)s: drafts are added only while drafting."
                    )
                    % {"title": consultation.title, "status": consultation.get_status_display()}
                }
            )
        group = str(row.get("group") or "").strip()
        if group and not ClassificationGroup.objects.filter(code=group).exists():
            raise ValidationError(
                {"group": _("No classification group has the code %(code)s.") % {"code": group}}
            )

    def import_instance(self, instance, row, **kwargs) -> None:
        if instance.pk is not None:
            raise ValidationError(
                {
                    "position": _(
                        "Position %(position)s is already taken by “%(name)s”; revise existing "
                        "drafts in the admin."
                    )
                    % {"position": instance.position, "name": instance.name}
                }
            )
        super().import_instance(instance, row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation, leaving out the fields only the workflow sets (the status is a
        protected FSM field: even ``full_clean`` may not assign it)."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, "status", "consulted_text", "occupation"],
                validate_unique=validate_unique,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not errors and (problem := justification_error(instance)):
            errors = problem.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        instance._change_reason = "Imported from a spreadsheet"
        super().save_instance(instance, is_create, row, **kwargs)
