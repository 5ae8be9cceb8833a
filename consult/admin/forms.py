"""Forms of the staff admin: list fields edited one item per line, the confirmation forms of
the workflow steps, and a comment's reply form. They validate input only; the steps themselves
are in ``consult.workflow.consultations``.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import (
    DRAFT_LABEL_FIELDS,
    DRAFT_NOTE_FIELDS,
    DRAFT_TEXT_FIELDS,
    Comment,
    DraftOccupation,
)
from consult.models.comments import ANSWERABLE_DISPOSITIONS
from consult.workflow.similar import justification_error
from core.errors import WorkflowError
from occupations.admin.forms import LabelLanguageMixin, LinesField, add_workflow_error, split_lines
from occupations.models import Authority, DatePrecision

__all__ = ["LinesField", "add_workflow_error", "split_lines"]


LINE_FIELDS = ("alternative_names", "tasks", "job_types")


class DraftOccupationForm(LabelLanguageMixin, forms.ModelForm):
    """The draft's text with its lists one item per line."""

    alternative_names = LinesField(label=_("alternative names"), max_item_length=200)
    tasks = LinesField(label=_("main tasks"))
    job_types = LinesField(label=_("job types"), max_item_length=200)
    translated_alternative_names = LinesField(
        label=_("alternative names in the other language"), max_item_length=200
    )

    class Meta:
        model = DraftOccupation
        fields = [
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
        ]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "justification": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def clean(self) -> dict:
        """A new revision starts from the published text: a field left blank keeps the
        target's value, so that only what staff type is a change."""
        cleaned = super().clean()
        target = cleaned.get("target")
        if (
            self.instance.pk is None
            and cleaned.get("kind") == DraftOccupation.Kind.REVISION
            and target is not None
        ):
            published = {
                "alternative_names": target.alternative_names,
                "translated_name": target.translated_name,
                "translated_alternative_names": target.translated_alternative_names,
                "definition": target.definition,
                "tasks": target.tasks,
                "job_types": target.job_types,
                "proposed_code": target.code,
                "group": target.group,
            }
            for name, value in published.items():
                if name in cleaned and not cleaned[name]:
                    cleaned[name] = value
        return cleaned

    def _post_clean(self) -> None:
        """A new draft near a published occupation, job type or pending draft needs a
        justification (``consult.workflow.similar``); an existing draft's text changes only
        through ``revise_draft``, which applies the same rule."""
        super()._post_clean()
        if (
            self.instance.pk is None
            and not self.errors
            and (problem := justification_error(self.instance))
        ):
            self.add_error(None, problem)


def text_changes(form: forms.ModelForm) -> dict:
    """The revised text in ``form`` as ``revise_draft`` takes it (``group`` → ``group_id``)."""
    changes = {}
    for name in form.changed_data:
        if name == "group":
            group = form.cleaned_data.get("group")
            changes["group_id"] = group.pk if group is not None else None
        elif name in {*DRAFT_TEXT_FIELDS, *DRAFT_LABEL_FIELDS, *DRAFT_NOTE_FIELDS}:
            changes[name] = form.cleaned_data[name]
    return changes


class ReviseDraftForm(DraftOccupationForm):
    """Revision of a draft during review: the text and a note for its history."""

    note = forms.CharField(
        label=_("note for the history"),
        required=False,
        max_length=300,
        help_text=_("Why the text changed, e.g. “Task 3 reworded after comments”."),
    )

    class Meta(DraftOccupationForm.Meta):
        # The text and its labels in each language, as revised and kept in the draft's
        # history; the position is set while drafting.
        fields = [f for f in DraftOccupationForm.Meta.fields if f != "position"]


class SourcesField(forms.Field):
    """Source references typed one per line: the document, then " | " and the passage quoted
    from it (optional). Stored as ``[{"file": …, "quote": …}]``, the shape the seeds write."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})
    default_help_text = _(
        "One source per line: the document, then “ | ” and the passage quoted from it, e.g. "
        "“人社部公告2024年第5号.pdf | 第二条”."
    )

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            lines = []
            for item in value:
                if isinstance(item, dict):
                    file, quote = str(item.get("file", "")), str(item.get("quote", ""))
                    lines.append(f"{file} | {quote}" if quote else file)
                else:
                    lines.append(str(item))
            return "\n".join(lines)
        return value

    def to_python(self, value) -> list[dict[str, str]]:
        if isinstance(value, list):
            return value
        sources = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            file, _bar, quote = line.partition("|")
            if not file.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: name the document before “|”.") % {"n": number},
                    code="no_document",
                )
            if len(file.strip()) > 300 or len(quote.strip()) > 2000:
                raise forms.ValidationError(
                    _("Line %(n)s is too long.") % {"n": number}, code="too_long"
                )
            sources.append({"file": file.strip(), "quote": quote.strip()})
        return sources

    def has_changed(self, initial, data) -> bool:
        return self.to_python(self.prepare_value(initial) or "") != self.to_python(data)


class ExtendWindowForm(forms.Form):
    closes_at = forms.SplitDateTimeField(
        label=_("new closing time"),
        widget=admin_widgets.AdminSplitDateTime,
        help_text=_("Local time. “Through 31 July” is 31 July 23:59:59."),
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_closes_at(self):
        value = self.cleaned_data["closes_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


PUBLIC_SLUG_HELP = _(
    "The permanent public address, /batches/ followed by the slug: lower-case ASCII letters, "
    "digits and hyphens, with at least one letter, e.g. new-occupations-2026. It cannot change "
    "later."
)


def validate_public_slug(value: str) -> None:
    """A public address made of ASCII words: not digits only (it would read as a number)."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
        raise forms.ValidationError(
            _("Use lower-case ASCII letters, digits and single hyphens between words."),
            code="invalid",
        )
    if not re.search(r"[a-z]", value):
        raise forms.ValidationError(
            _("Use at least one word: an address of digits only reads as a number."),
            code="digits_only",
        )


DRAFT_MARK_RE = re.compile(
    r"\s*[（(]\s*征求意见稿\s*[）)]\s*|\s*\(\s*draft for comments?\s*\)\s*", re.I
)


def batch_title_from(consultation_title: str) -> str:
    """The default title of the batch: the consultation's, less its "（征求意见稿）" mark."""
    return DRAFT_MARK_RE.sub("", consultation_title).strip() or consultation_title


class PublishForm(forms.Form):
    slug = forms.SlugField(label=_("batch slug"), max_length=80)
    title = forms.CharField(label=_("batch title"), max_length=300)
    number = forms.IntegerField(
        label=_("ordinal number"), required=False, min_value=1, max_value=32767
    )
    announced_on = forms.DateField(
        label=_("announced on"),
        widget=admin_widgets.AdminDateWidget,
        help_text=_("For a month or a year, give its first day."),
    )
    announced_precision = forms.ChoiceField(
        label=_("precision of the date"), choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    authorities = forms.ModelMultipleChoiceField(
        label=_("authorities"),
        queryset=Authority.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, attention: dict[str, int] | None = None, **kwargs):
        """``attention``: the counts of ``comments_needing_attention``; when any is not
        zero, publishing asks for an explicit confirmation that they stay as they are."""
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = PUBLIC_SLUG_HELP
        self.fields["slug"].validators.append(validate_public_slug)
        attention = attention or {}
        if attention.get("unmoderated") or attention.get("undecided"):
            self.fields["publish_anyway"] = forms.BooleanField(
                label=_("publish with these comments as they are"),
                help_text=_(
                    "Unmoderated comments are never shown; comments with no disposition are "
                    "reported as pending in the final report."
                ),
            )


class ConfirmForm(forms.Form):
    """A step that needs nothing but a confirmation (open, begin review, accept, reinstate)."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("internal note (staff only)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Why the draft is withdrawn. Never shown to the public."),
    )
    public_explanation = forms.CharField(
        label=_("public explanation (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Shown on the consultation page and in the report once the report is public "
            "(review or published)."
        ),
    )


class DispositionForm(forms.Form):
    # Nothing preselected: a disposition applied to many comments at once is always chosen.
    disposition = forms.ChoiceField(
        label=_("disposition"),
        choices=[("", _("— choose a disposition —"))]
        + [c for c in Comment.Disposition.choices if c[0] != Comment.Disposition.PENDING]
        + [(Comment.Disposition.PENDING, Comment.Disposition.PENDING.label)],
    )
    reply = forms.CharField(
        label=_("reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=_("Shown with each comment in the response report once published."),
    )


class RevisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        when = timezone.localtime(obj.history_date).strftime("%Y-%m-%d %H:%M")
        reason = obj.history_change_reason or ""
        return f"#{obj.history_id} · {obj.name} · {when} · {reason}".rstrip(" ·")


class CommentReplyForm(forms.ModelForm):
    """A comment's change form: disposition, reply and the draft revision that answers an
    adopted comment; ``clean`` asks the comment itself whether it may take them. (The public
    comment form is ``consult.intake.form.CommentForm``.)"""

    answering_revision = RevisionChoiceField(
        label=_("answering revision"),
        queryset=DraftOccupation.history.none(),
        required=False,
        help_text=_(
            "For an adopted or partly adopted comment: the revision of the draft that made the "
            "change it asked for. The report shows the comment beside that change."
        ),
    )

    class Meta:
        model = Comment
        fields = ["disposition", "reply", "answering_revision"]
        widgets = {"reply": forms.Textarea(attrs={"rows": 5, "cols": 80})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        comment = self.instance
        if comment.pk:
            # The revisions made after the comment was sent, of its draft (of any draft of its
            # consultation for a comment on the whole list), newest first.
            revisions = DraftOccupation.history.filter(
                history_date__gte=comment.submitted_at
            ).order_by("-history_date", "-history_id")
            if comment.occupation_id is not None:
                revisions = revisions.filter(id=comment.occupation_id)
            else:
                revisions = revisions.filter(consultation_id=comment.consultation_id)
            self.fields["answering_revision"].queryset = revisions

    def clean(self):
        data = super().clean()
        if (
            data.get("disposition") not in ANSWERABLE_DISPOSITIONS
            and "answering_revision" not in self.changed_data
        ):
            # A disposition that no revision answers drops the link it had.
            data["answering_revision"] = None
        changed = {"disposition", "reply", "answering_revision"} & set(self.changed_data)
        if self.instance.pk and changed:
            fresh = Comment.objects.select_related("occupation").get(pk=self.instance.pk)
            try:
                fresh.set_disposition(
                    disposition=data.get("disposition", ""),
                    reply=data.get("reply", ""),
                    now=timezone.now(),
                )
                revision = data.get("answering_revision")
                if revision is not None and (
                    "answering_revision" in self.changed_data
                    or fresh.disposition in ANSWERABLE_DISPOSITIONS
                ):
                    fresh.link_answering_revision(revision)
            except WorkflowError as exc:
                name = {"revision": "answering_revision"}.get(exc.field or "", exc.field)
                if name in self.fields:
                    self.add_error(name, exc.message)
                else:
                    raise forms.ValidationError(exc.message) from None
        return data


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_(
            "Why the comment goes back in public view despite the dispute or withdrawal; kept in "
            "its history."
        ),
    )
