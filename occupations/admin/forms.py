"""Form pieces of the registry admin, also used by the consultation admin: list fields edited
one item per line, and the add form of a skill standard."""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.utils.translation import gettext_lazy as _

from occupations.models import Authority, DatePrecision, Language, SkillStandard


def split_lines(value: str, *, semicolons: bool = False) -> list[str]:
    """One item per non-blank line (and, with ``semicolons``, per ";"-separated part)."""
    text = value or ""
    one_line = "\n" not in text.strip()
    parts = text.split(";") if semicolons and one_line else text.splitlines()
    return [part.strip() for part in parts if part.strip()]


class LinesWidget(forms.Textarea):
    """Shows a JSON list of strings as one item per line."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"rows": 4, "cols": 60, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return super().format_value(value)


class LinesField(forms.Field):
    """A list of strings typed one per line in a textarea.

    Every item must be text of at most ``max_item_length`` characters; the message names the
    field so that a mistake in one of several list fields is easy to find.
    """

    widget = LinesWidget

    def __init__(self, *, max_item_length: int = 1000, **kwargs) -> None:
        self.max_item_length = max_item_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if value in self.empty_values:
            return []
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        if not isinstance(value, str):
            raise forms.ValidationError(
                _("%(field)s: enter one item per line.") % {"field": self.label or _("list")},
                code="invalid",
            )
        return split_lines(value)

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for number, item in enumerate(value, start=1):
            if len(item) > self.max_item_length:
                raise forms.ValidationError(
                    _("%(field)s, line %(number)s: at most %(max)s characters (it has %(len)s).")
                    % {
                        "field": self.label or _("list"),
                        "number": number,
                        "max": self.max_item_length,
                        "len": len(item),
                    },
                    code="item_too_long",
                )

    def has_changed(self, initial, data) -> bool:
        try:
            data = self.to_python(data)
        except forms.ValidationError:
            return True
        return list(initial or []) != data


class AttachStandardForm(forms.Form):
    """The add form of a skill standard; ``attach_skill_standard`` does the work."""

    title = forms.CharField(label=_("title"), max_length=300)
    kind = forms.ChoiceField(label=_("kind"))
    edition = forms.CharField(label=_("edition"), max_length=50, required=False)
    issued_on = forms.DateField(
        label=_("issued on"), required=False, widget=admin_widgets.AdminDateWidget
    )
    issued_precision = forms.ChoiceField(
        label=_("precision of the issue date"),
        choices=[("", "—"), *DatePrecision.choices],
        required=False,
        help_text=_("How much of the issue date is known; blank when the date is not known."),
    )
    authorities = forms.ModelMultipleChoiceField(
        label=_("authorities"),
        queryset=Authority.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    directions = LinesField(label=_("occupational directions"), max_item_length=200)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SkillStandard.Kind.choices

    def clean(self) -> dict:
        return clean_issue_date(self, super().clean())


def clean_issue_date(form: forms.Form, data: dict) -> dict:
    """A standard's issue date and its precision, in both admin forms: without a date there
    is no precision (the database's constraint); with one, the precision must be said."""
    if data.get("issued_on") is None:
        data["issued_precision"] = None
    elif not data.get("issued_precision"):
        form.add_error(
            "issued_precision", _("Say how much of the issue date is known: day, month or year.")
        )
    return data


def add_workflow_error(form: forms.Form, error) -> bool:
    """Show a refused step on the form field it concerns; False if no field of ``form`` fits."""
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
        return True
    return False


class LabelLanguageMixin(forms.ModelForm):
    """The language of a record's labels, optional in the form: left out, the record keeps
    its own (a new one, the model's default)."""

    language = forms.ChoiceField(
        label=_("language of the labels"),
        choices=[("", "—"), *Language.choices],
        required=False,
        help_text=_("The language the name and other names are written in."),
    )

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language
