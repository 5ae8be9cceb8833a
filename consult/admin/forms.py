"""Forms of the staff admin: list fields edited one item per line, the confirmation forms of
the workflow steps, and a comment's reply form. They validate input only; the steps themselves
are in ``consult.workflow``.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import DRAFT_TEXT_FIELDS, Comment, DraftOccupation
from consult.models.comments import ANSWERABLE_DISPOSITIONS
from core.errors import WorkflowError
from occupations.admin_forms import LabelLanguageMixin, LinesField, add_workflow_error, split_lines
from occupations.models import Authority, DatePrecision

__all__ = ["LinesField", "add_workflow_error", "split_lines"]


LINE_FIELDS = ("alternative_names", "tasks", "job_types")
LABEL_FIELDS = ("position", "language", "translated_name", "translated_alternative_names")


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
        ]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3, "cols": 60})}


def text_changes(form: forms.ModelForm) -> dict:
    """The revised text in ``form`` as ``revise_draft`` takes it (``group`` → ``group_id``)."""
    changes = {}
    for name in form.changed_data:
        if name == "group":
            group = form.cleaned_data.get("group")
            changes["group_id"] = group.pk if group is not None else None
        elif name in DRAFT_TEXT_FIELDS:
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
        # The text as revised and kept in the draft's history; the labels' language and
        # translations are set while drafting.
        fields = [f for f in DraftOccupationForm.Meta.fields if f not in LABEL_FIELDS]


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
    disposition = forms.ChoiceField(
        label=_("disposition"),
        choices=[c for c in Comment.Disposition.choices if c[0] != Comment.Disposition.PENDING]
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
    comment form is ``consult.forms.CommentForm``.)"""

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
