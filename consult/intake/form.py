"""The public comment form (its field names are a public contract: docs/architecture.md). Its
checks are ``consult.intake.store``'s; the form shows their messages on the fields they concern."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consult.intake import store as intake
from consult.models import COMMENT_BODY_MAX_LENGTH, Comment, DraftOccupation

HONEYPOT_FIELD = "website"


class PlainTextField(forms.CharField):
    """Text typed by a person: line ends normalised to ``\\n`` (so that a browser's CRLF does
    not count twice against the length limit) and no control characters."""

    def __init__(self, *, multiline: bool, **kwargs) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value

    def validate(self, value) -> None:
        super().validate(value)
        intake.check_plain_text(value, multiline=self.multiline)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class CommentForm(forms.Form):
    """A comment on the whole draft list, one occupation, or one field of it.

    ``target`` is what ``intake.read_target`` read for the posted occupation: a posted
    occupation is valid only if it is that target's draft, so that checking it reads nothing
    more, whatever the length of the list. ``upload_refusal`` is why the upload handler
    stopped reading the files, if it did (``consult.intake.upload_handler``).
    ``cleaned_data["occupation"]`` is a DraftOccupation or None and
    ``cleaned_data["attachments"]`` a list of ``intake.UploadedAttachment``.
    """

    occupation = forms.CharField(
        label=_("Occupation"),
        required=False,
        # The choices shown are set by list_drafts(); the posted one is checked against the
        # target in clean_occupation().
        widget=forms.Select,
        help_text=_("Leave as it is to comment on the draft list as a whole."),
    )
    field = forms.ChoiceField(
        label=_("Part of the occupation"),
        required=False,
        choices=Comment.Field.choices,
        error_messages={"invalid_choice": _("Choose one of the parts listed.")},
    )
    task_number = forms.IntegerField(
        label=_("Task number"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Only when commenting on a main task: its number in the list."),
    )
    body = PlainTextField(
        multiline=True,
        label=_("Your comment"),
        max_length=COMMENT_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write your comment."),
            "max_length": _(
                "Your comment is %(show_value)d characters long; the limit is %(limit_value)d."
            ),
        },
        help_text=_("At most 5,000 characters."),
    )
    proposed_text = PlainTextField(
        multiline=True,
        label=_("Proposed wording"),
        required=False,
        max_length=COMMENT_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: the text you would put in its place."),
    )
    name = PlainTextField(
        multiline=False,
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = PlainTextField(
        multiline=False,
        label=_("Organisation"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,  # the model's column
        error_messages={"invalid": _("Enter a valid e-mail address, such as name@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Optional: a receipt with your tracking number is sent here. Never published."),
    )
    consent_to_publish = forms.BooleanField(
        label=_("My comment may be published (without my e-mail address)."),
        required=False,
    )
    notify_replies = forms.BooleanField(
        label=_("Tell me about replies"),
        required=False,
        help_text=_(
            "Needs an e-mail address: you are told when your comment gets a reply and when the "
            "final report is published. Every message has a link to stop them."
        ),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.odt,.txt"}),
        help_text=_("Up to 3 files, 10 MB each: PDF, DOCX, ODT or plain text (UTF-8)."),
    )
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args,
        target: intake.Target,
        upload_refusal: ValidationError | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.upload_refusal = upload_refusal

    def list_drafts(self, drafts: Sequence[DraftOccupation]) -> None:
        """Show ``drafts`` (the consultation's active drafts, already read for the page) as the
        choices."""
        self.fields["occupation"].widget.choices = [("", _("The draft list as a whole"))] + [
            (draft.pk, f"{draft.position}. {draft.name}") for draft in drafts
        ]

    def clean_occupation(self) -> DraftOccupation | None:
        posted = self.cleaned_data["occupation"]
        if not posted:
            return None
        draft = self.target.draft
        if draft is None or str(draft.pk) != posted:
            raise ValidationError(
                _("Choose an occupation from this draft list."), code="invalid_choice"
            )
        return draft

    def clean_attachments(self) -> list[intake.UploadedAttachment]:
        if self.upload_refusal is not None:
            raise self.upload_refusal
        return intake.check_attachments(self.cleaned_data.get("attachments") or [])

    def clean(self) -> dict:
        cleaned = super().clean()
        part = cleaned.get("field")
        if "occupation" not in self.errors:
            for name, error in intake.check_part(
                cleaned.get("occupation"), part, cleaned.get("task_number")
            ).items():
                if name not in self.errors:
                    self.add_error(name, error)
        if part != Comment.Field.TASK:
            cleaned["task_number"] = None
        return cleaned

    def submission(self) -> dict:
        """What ``intake.submit_comment`` takes from a valid form, besides its target, time
        and sender: the one list of the comment's inputs, for the page and the API alike."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "body",
                "field",
                "task_number",
                "proposed_text",
                "name",
                "organisation",
                "email",
                "consent_to_publish",
                "notify_replies",
                "attachments",
            )
        }


# Far more people than any organisation speaks for; a guard against typing errors.
SIGNATURES_MAX = 100_000_000


class ApiCommentForm(CommentForm):
    """The public form as the API takes it: the same fields and checks, without the
    honeypot (a key vouches for the sender), and with ``signatures``, how many people the
    organisation holding the key speaks for (1 when not given)."""

    website = None  # type: ignore[assignment]
    signatures = forms.IntegerField(
        label=_("Signatures"),
        required=False,
        min_value=1,
        max_value=SIGNATURES_MAX,
        help_text=_("How many people the submitting organisation speaks for."),
    )

    def clean_signatures(self) -> int:
        return self.cleaned_data.get("signatures") or 1
