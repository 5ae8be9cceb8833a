"""The comment form and every check it runs on what a person typed.

``CommentForm`` is the public form (its field names are a public contract: docs/architecture.md,
"Public contract"); ``ApiCommentForm`` is the same form as the keyed API takes it, and the
API's request schema is generated from its fields (``core.api.schema.form_serializer``). The
text checks (``check_plain_text``, ``check_part``) live here beside the fields that run them;
the checks on files are ``consult.intake.attachments``'s. ``CommentForm.checked`` binds and
validates a form in one call, for ``consult.intake.verdict``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consult.intake.attachments import UploadedAttachment, check_attachments
from consult.intake.store import Target
from consult.models import (
    COMMENT_BODY_MAX_LENGTH,
    COMMENT_MAX_ATTACHMENTS,
    Comment,
    DraftOccupation,
)
from core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

HONEYPOT_FIELD = "website"
SUBMISSION_TOKEN_FIELD = "submission_token"
SUBMISSION_TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,64}"


def new_submission_token() -> str:
    """A fresh one-time token for a rendered comment form (``CommentForm.submission_token``)."""
    return secrets.token_urlsafe(24)


# What ``consult.intake.store.submit_comment`` takes from a valid form, besides its target,
# time and sender: the one list of a comment's inputs, for the page and the API alike.
COMMENT_INPUTS = (
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
# The inputs a form refused for a reason other than its input gives back, so that nothing
# typed is lost (files cannot come back: a browser never lets a page preset them).
KEPT_INPUTS = (
    "occupation",
    "field",
    "task_number",
    "body",
    "proposed_text",
    "name",
    "organisation",
    "email",
    SUBMISSION_TOKEN_FIELD,
)
KEPT_CHECKBOXES = ("consent_to_publish", "notify_replies")
# Bidi embeddings, overrides and isolates: they reorder the text that follows them, beyond
# their own (in an e-mail, a CSV row, a list of names).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Far more people than any organisation speaks for; a guard against typing errors.
SIGNATURES_MAX = 100_000_000

FormT = TypeVar("FormT", bound="CommentForm")


# The checks ------------------------------------------------------------------------------------


def check_plain_text(value: str, *, multiline: bool) -> None:
    """Text typed by a person holds no control characters (a text of several lines keeps its
    tabs and line ends)."""
    if has_control_characters(value, multiline=multiline):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def check_format_characters(value: str, *, multiline: bool) -> None:
    """A name or an organisation (one line) holds no invisible format character (Unicode
    category Cf: zero-width spaces and joiners, direction marks and overrides, the byte-order
    mark), with which two names that look the same would differ, or one would show reversed.
    A text of several lines, shown as a paragraph of its own, keeps the format characters some
    scripts and emoji need (joiners, direction marks) but none that reorders what follows."""
    if not value:
        return
    if multiline:
        if BIDI_CONTROLS.search(value):
            raise ValidationError(
                gettext(
                    "Remove the characters that reverse the direction of text (U+202A–U+202E, "
                    "U+2066–U+2069) from this text."
                ),
                code="bidi_controls",
            )
    elif any(unicodedata.category(ch) == "Cf" for ch in value):
        raise ValidationError(
            gettext(
                "Remove the invisible formatting characters (such as a zero-width space or a "
                "right-to-left override) from this text."
            ),
            code="format_characters",
        )


def check_part(
    draft: DraftOccupation | None, part: str, task_number: int | None
) -> dict[str, ValidationError]:
    """What is wrong with commenting on ``part`` (a ``Comment.Field``) of ``draft``, by the
    name of the input to blame; empty when nothing is."""
    if part and draft is None:
        return {
            "field": ValidationError(
                gettext("Choose an occupation to comment on one of its parts."),
                code="needs_occupation",
            )
        }
    if part != Comment.Field.TASK or draft is None:
        return {}
    count = len(draft.tasks)
    if count == 0:
        message = gettext("This occupation has no numbered tasks.")
    elif task_number is None:
        message = gettext("Give the number of the task you comment on.")
    elif task_number > count:
        message = ngettext(
            "“%(name)s” has %(count)d task; choose number 1.",
            "“%(name)s” has %(count)d tasks; choose a number from 1 to %(count)d.",
            count,
        ) % {"name": draft.name, "count": count}
    else:
        return {}
    return {"task_number": ValidationError(message, code="task_number")}


# The fields ------------------------------------------------------------------------------------


class PlainTextField(forms.CharField):
    """Text typed by a person: line ends normalised to ``\\n`` (so that a browser's CRLF does
    not count twice against the length limit), no control characters, and no invisible format
    characters on one line nor bidi overrides on several (``check_format_characters``)."""

    def __init__(self, *, multiline: bool, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        check_plain_text(value, multiline=self.multiline)
        check_format_characters(value, multiline=self.multiline)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, at most ``max_files`` of them (which
    ``check_attachments`` enforces with its own message)."""

    def __init__(self, *args: Any, max_files: int, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


# The forms -------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    """A comment on the whole draft list, one occupation, or one field of it.

    ``target`` is what ``consult.intake.verdict.read_target`` read for the posted occupation: a
    posted occupation is valid only if it is that target's draft, so that checking it reads
    nothing more, whatever the length of the list. ``upload_refusal`` is why the upload handler
    stopped reading the files, if it did (``consult.intake.upload_handler``).
    ``cleaned_data["occupation"]`` is a DraftOccupation or None and
    ``cleaned_data["attachments"]`` a list of ``UploadedAttachment``.
    """

    occupation = forms.IntegerField(
        label=_("Occupation"),
        required=False,
        # The choices shown are set by list_drafts(); the posted one is checked against the
        # target in clean_occupation().
        widget=forms.Select,
        error_messages={"invalid": _("Choose an occupation from this draft list.")},
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
        max_files=COMMENT_MAX_ATTACHMENTS,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.odt,.txt"}),
        help_text=_("Up to 3 files, 10 MB each: PDF, DOCX, ODT or plain text (UTF-8)."),
    )
    # A token given with each rendered form: a resend of the same submission (the answer lost
    # when a server died after storing it) gets the stored comment's receipt instead of storing
    # a second one (consult.intake.verdict). Kept when the form comes back after a refusal.
    submission_token = forms.CharField(
        required=False,
        initial=new_submission_token,
        widget=forms.HiddenInput,
        max_length=64,
        validators=[
            RegexValidator(
                rf"^{SUBMISSION_TOKEN_PATTERN}\Z",
                _("This form is damaged: reload the page and send your comment again."),
            )
        ],
    )
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        target: Target,
        upload_refusal: ValidationError | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.upload_refusal = upload_refusal

    @classmethod
    def checked(
        cls: type[FormT],
        data: Mapping[str, Any],
        files: MultiValueDict,
        *,
        target: Target,
        upload_refusal: ValidationError | None = None,
    ) -> FormT:
        """The form bound to what was sent about ``target``, validated: when valid, its
        ``cleaned_data`` holds the ``COMMENT_INPUTS``; otherwise its ``errors`` say what is
        wrong, each on its field."""
        form = cls(data, files, target=target, upload_refusal=upload_refusal)
        form.full_clean()
        return form

    @classmethod
    def keeping(cls: type[FormT], data: Mapping[str, Any], *, target: Target) -> FormT:
        """An unbound form filled with what was posted (``data``), for a refusal that is not
        about the input itself: everything typed comes back."""
        kept: dict[str, Any] = {name: data.get(name, "") for name in KEPT_INPUTS}
        for name in KEPT_CHECKBOXES:
            kept[name] = bool(data.get(name))
        return cls(initial=kept, target=target)

    def list_drafts(self, drafts: Sequence[DraftOccupation]) -> None:
        """Show ``drafts`` (the consultation's active drafts, already read for the page) as the
        choices."""
        widget: Any = self.fields["occupation"].widget
        widget.choices = [("", _("The draft list as a whole"))] + [
            (draft.pk, f"{draft.position}. {draft.name}") for draft in drafts
        ]

    def clean_occupation(self) -> DraftOccupation | None:
        posted = self.cleaned_data["occupation"]
        if posted is None:
            return None
        draft = self.target.draft
        # read_target reads a draft only for the posted text of its id, written as Python
        # writes it, so that comparing the numbers here compares what was posted.
        if draft is None or draft.pk != posted:
            raise ValidationError(
                _("Choose an occupation from this draft list."), code="invalid_choice"
            )
        return draft

    def clean_attachments(self) -> list[UploadedAttachment]:
        if self.upload_refusal is not None:
            raise self.upload_refusal
        files = self.cleaned_data.get("attachments") or []
        # Without files there is nothing to check.
        return check_attachments(files) if files else []

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        part = cleaned.get("field") or ""
        if "occupation" not in self.errors:
            for name, error in check_part(
                cleaned.get("occupation"), part, cleaned.get("task_number")
            ).items():
                if name not in self.errors:
                    self.add_error(name, error)
        if part != Comment.Field.TASK:
            cleaned["task_number"] = None
        return cleaned


class ApiCommentForm(CommentForm):
    """The public form as the API takes it: the same fields and checks, without the
    honeypot (a key vouches for the sender), and with ``signatures``, how many people the
    organisation holding the key speaks for (1 when not given)."""

    website = None  # type: ignore[assignment]
    submission_token = None  # type: ignore[assignment]  # the API has Idempotency-Key
    signatures = forms.IntegerField(
        label=_("Signatures"),
        required=False,
        min_value=1,
        max_value=SIGNATURES_MAX,
        help_text=_("How many people the submitting organisation speaks for."),
    )

    def clean_signatures(self) -> int:
        return self.cleaned_data.get("signatures") or 1
