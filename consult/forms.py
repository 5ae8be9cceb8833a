"""The public comment form (DESIGN §5: the field names are part of the contract)."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from cachetools import TTLCache
from django import forms
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consult import uploads
from consult.models import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_BODY_MAX_LENGTH,
    COMMENT_DRAFT_FIELDS,
    COMMENT_MAX_ATTACHMENTS,
    COMMENT_WINDOW_FIELDS,
    Attachment,
    Comment,
    Consultation,
    ConsultationQuerySet,
    DraftOccupation,
)
from consult.workflow import UploadedAttachment
from occupations.compiled import CompiledQuery

HONEYPOT_FIELD = "website"
# C0 and C1 control characters; a text of several lines keeps its tabs and line ends.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
        pattern = CONTROL_CHARACTERS_IN_LINES if self.multiline else CONTROL_CHARACTERS
        if value and pattern.search(value):
            raise ValidationError(
                _(
                    "Remove the control characters (invisible characters such as NUL) from this "
                    "text."
                ),
                code="control_characters",
            )


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


class DraftChoiceField(forms.ModelChoiceField):
    """A draft of the consultation, by id, listed as "position. name".

    A posted id is checked by reading that one draft from the queryset (ModelChoiceField's
    own lookup), so that accepting a comment costs the same however long the list is; the
    list itself is read only to show the choices.
    """

    # The posted draft when the view has already read it (``CommentForm(chosen=...)``): it
    # came from this field's queryset, so it is taken without reading it again.
    chosen: DraftOccupation | None = None
    # The consultation whose drafts the choices are. The queryset is narrowed to them when
    # first used: a comment on the chosen draft never uses it, and building the filter was a
    # tenth of the form's cost.
    consultation: Consultation | None = None

    def _get_queryset(self):
        if self.consultation is not None:
            self._queryset = self._queryset.filter(consultation=self.consultation)
            self.consultation = None
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def __deepcopy__(self, memo: dict) -> DraftChoiceField:
        # ModelChoiceField clones its queryset for each form. Narrowing it makes a new
        # queryset, so every form can start from the same one; the copy still gets choices of
        # its own (Django #11183).
        result = forms.Field.__deepcopy__(self, memo)
        result._queryset = self._queryset
        result.widget.choices = result.choices
        return result

    def label_from_instance(self, obj: DraftOccupation) -> str:
        return f"{obj.position}. {obj.name}"

    def to_python(self, value):
        if self.chosen is not None and str(value) == str(self.chosen.pk):
            return self.chosen
        return super().to_python(value)


# What the form and ``workflow.submit_comment`` read of the chosen draft, and what accepting a
# comment reads of the consultation: its window, and its slug for the links.
CHOSEN_DRAFT_FIELDS = (*COMMENT_DRAFT_FIELDS, "position", "name", "tasks")
WINDOW_FIELDS = COMMENT_WINDOW_FIELDS


def _attnames(model: type[models.Model], names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as columns in the model's field order, the order ``Model.from_db`` takes."""
    wanted = {model._meta.pk.attname if name == "pk" else name for name in names}
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


CHOSEN_DRAFT_ATTNAMES = _attnames(DraftOccupation, CHOSEN_DRAFT_FIELDS)
WINDOW_ATTNAMES = _attnames(Consultation, WINDOW_FIELDS)

# Every comment reads these; compiled once, they cost a fifth of what the ORM took to build
# them on each request. The placeholders are values no request sends: a slug from the URL has
# no NUL, and no table here comes near an id of 8 * 10^18.
# Each reads one row at most, so the models' default order is left out, and the draft's
# consultation is joined once with the public condition, not matched against a subquery of
# public consultations: PostgreSQL planned that query in more time than it ran it.
SLUG_PLACEHOLDER = "\x00slug placeholder\x00"
_WINDOW = CompiledQuery(
    lambda slug: (
        Consultation.objects.public().filter(slug=slug).order_by().values_list(*WINDOW_ATTNAMES)
    ),
    slug=SLUG_PLACEHOLDER,
)
_WINDOW_AND_DRAFT = CompiledQuery(
    lambda slug, pk: (
        DraftOccupation.objects.active()
        .filter(ConsultationQuerySet.public_condition("consultation__"))
        .filter(pk=pk, consultation__slug=slug)
        .order_by()
        .values_list(*CHOSEN_DRAFT_ATTNAMES, *(f"consultation__{name}" for name in WINDOW_ATTNAMES))
    ),
    slug=SLUG_PLACEHOLDER,
    pk=8_070_450_532_247_928_831,
)


# This process's recent reads of windows and chosen drafts. A comment decided on one is stored
# only if what it was decided on still holds (``workflow.submit_comment``), so a read may be
# reused for RECENT_READ_SECONDS; anything but a stored comment is decided again on a fresh read
# (``views.comment_submit``). Rows only, never an absence, and each request makes instances of
# its own from them. cachetools' TTLCache is not thread-safe: one lock around it.
RECENT_READ_SECONDS = 300
_recent_reads: TTLCache = TTLCache(maxsize=4096, ttl=RECENT_READ_SECONDS)
_recent_reads_lock = threading.Lock()


def _read_one(key: tuple, read: Callable[[], list[tuple]], *, recent: bool) -> tuple | None:
    """The row ``read()`` gives (or None): with ``recent``, as this process last read it."""
    if recent:
        with _recent_reads_lock:
            row = _recent_reads.get(key)
        if row is not None:
            # A list (a draft's tasks) is copied: the row itself is shared by every request.
            return tuple(list(value) if isinstance(value, list) else value for value in row)
    rows = read()
    with _recent_reads_lock:
        if rows:
            _recent_reads[key] = rows[0]
        else:
            _recent_reads.pop(key, None)
    return rows[0] if rows else None


def forget_recent_reads() -> None:
    """Empty this process's recent reads (tests start from none)."""
    with _recent_reads_lock:
        _recent_reads.clear()


def _from_row(model: type[models.Model], attnames: Sequence[str], values: Sequence) -> Any:
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


def _largest_id() -> int:
    """The largest id the database can hold: a larger one names no draft (the ORM answers
    such a lookup with no rows; the database would refuse it)."""
    field = DraftOccupation._meta.pk
    return connection.ops.integer_field_range(field.get_internal_type())[1]


class FieldsCopiedWhereChanged(dict):
    """A form class's ``base_fields`` of which each form copies only the fields it changes.

    Django deep-copies every field for each form, so that a form may change its own fields.
    A form that changes only ``per_form`` can share the others, which nothing changes after
    the class is built: for the comment form that copying was 0.09 ms of the 0.12 ms it took
    to build one.
    """

    def __init__(self, fields: dict[str, forms.Field], *, per_form: set[str]) -> None:
        super().__init__(fields)
        self.per_form = per_form

    def __deepcopy__(self, memo: dict) -> dict[str, forms.Field]:
        return {
            name: copy.deepcopy(field, memo) if name in self.per_form else field
            for name, field in self.items()
        }


class CommentForm(forms.Form):
    """A comment on the whole draft list, one occupation, or one field of it.

    ``consultation`` is the one commented on: a posted occupation must be one of its active
    drafts (one row read, whatever the length of the list).
    ``cleaned_data["occupation"]`` is a DraftOccupation or None and
    ``cleaned_data["attachments"]`` a list of checked ``UploadedAttachment``.
    """

    occupation = DraftChoiceField(
        label=_("Occupation"),
        required=False,
        # Narrowed to the consultation's drafts in __init__.
        queryset=DraftOccupation.objects.active().only(*CHOSEN_DRAFT_FIELDS).in_order(),
        empty_label=_("The draft list as a whole"),
        error_messages={"invalid_choice": _("Choose an occupation from this draft list.")},
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
        self, *args, consultation: Consultation, chosen: DraftOccupation | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["occupation"]
        field.consultation = consultation
        field.chosen = chosen

    @staticmethod
    def may_decide_on_recent_read(data, files) -> bool:
        """Whether a comment posted with ``data`` and ``files`` may be decided on this
        process's recent read of the window and draft: what it is decided on must be what the
        INSERT checks (``COMMENT_WINDOW_FIELDS``, ``COMMENT_DRAFT_FIELDS``). A comment on a task
        is also checked against the draft's tasks, which the INSERT does not compare; and
        attachments are checked and stored once, on the read that decides."""
        return data.get("field") != Comment.Field.TASK and not files

    @staticmethod
    def read_window(slug: str, *, recent: bool = False) -> Consultation | None:
        """The public consultation ``slug`` with its ``WINDOW_FIELDS`` only, or None; with
        ``recent``, as this process last read it."""
        row = _read_one(("window", slug), lambda: _WINDOW.rows(slug=slug), recent=recent)
        return _from_row(Consultation, WINDOW_ATTNAMES, row) if row else None

    @staticmethod
    def read_window_and_draft(
        slug: str, posted: str, *, recent: bool = False
    ) -> DraftOccupation | None:
        """The posted draft, if it is an active draft of the public consultation ``slug``, with
        that consultation's ``WINDOW_FIELDS`` read in the same query as ``draft.consultation``:
        what accepting a comment needs. None when ``posted`` names no such draft. With
        ``recent``, as this process last read them."""
        if not (posted.isascii() and posted.isdigit()) or int(posted) > _largest_id():
            return None
        pk = int(posted)
        row = _read_one(
            ("draft", slug, pk), lambda: _WINDOW_AND_DRAFT.rows(slug=slug, pk=pk), recent=recent
        )
        if not row:
            return None
        split = len(CHOSEN_DRAFT_ATTNAMES)
        draft = _from_row(DraftOccupation, CHOSEN_DRAFT_ATTNAMES, row[:split])
        draft.consultation = _from_row(Consultation, WINDOW_ATTNAMES, row[split:])
        return draft

    def list_drafts(self, drafts: Sequence[DraftOccupation]) -> None:
        """Show ``drafts`` (the consultation's active drafts, already read for the page) as the
        choices, instead of reading them again; validation is unchanged."""
        field = self.fields["occupation"]
        field.choices = [("", field.empty_label)] + [
            (draft.pk, field.label_from_instance(draft)) for draft in drafts
        ]

    def clean_attachments(self) -> list[UploadedAttachment]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > COMMENT_MAX_ATTACHMENTS:
            raise ValidationError(
                ngettext(
                    "Attach at most %(max)d files; you chose %(count)d.",
                    "Attach at most %(max)d files; you chose %(count)d.",
                    len(files),
                )
                % {"max": COMMENT_MAX_ATTACHMENTS, "count": len(files)},
                code="too_many",
            )
        checked, problems = [], []
        for upload in files:
            problem = self._check_file(upload)
            if problem:
                problems.append(problem)
            else:
                kind = uploads.extension_kind(upload.name)
                checked.append(
                    UploadedAttachment(
                        name=upload.name, content_type=kind, file=upload, size=upload.size
                    )
                )
        if problems:
            raise ValidationError(problems)
        return checked

    @staticmethod
    def _check_file(upload) -> ValidationError | None:
        params = {"name": upload.name}
        if upload.size > ATTACHMENT_MAX_BYTES:
            return ValidationError(
                _("“%(name)s” is %(size)s; each file may be at most 10 MB."),
                code="too_large",
                params={**params, "size": filesizeformat(upload.size)},
            )
        if upload.size == 0:
            return ValidationError(_("“%(name)s” is empty."), code="empty", params=params)
        expected = uploads.extension_kind(upload.name)
        if expected is None:
            return ValidationError(
                _("“%(name)s”: only PDF, DOCX, ODT and TXT files are accepted."),
                code="extension",
                params=params,
            )
        if uploads.detect_kind(upload) != expected:
            return ValidationError(
                _(
                    "“%(name)s” is not a real %(kind)s file: files are checked by their "
                    "content, not their name."
                ),
                code="content",
                params={**params, "kind": Attachment.Kind(expected).label},
            )
        return None

    def _check_task_number(self, occupation: DraftOccupation, number: int | None) -> None:
        count = len(occupation.tasks)
        if count == 0:
            self.add_error("task_number", _("This occupation has no numbered tasks."))
        elif number is None:
            self.add_error("task_number", _("Give the number of the task you comment on."))
        elif number > count:
            self.add_error(
                "task_number",
                ngettext(
                    "“%(name)s” has %(count)d task; choose number 1.",
                    "“%(name)s” has %(count)d tasks; choose a number from 1 to %(count)d.",
                    count,
                )
                % {"name": occupation.name, "count": count},
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        occupation = cleaned.get("occupation")
        part = cleaned.get("field")
        if part and occupation is None and "occupation" not in self.errors:
            self.add_error("field", _("Choose an occupation to comment on one of its parts."))
        if part == Comment.Field.TASK and occupation is not None:
            if "task_number" not in self.errors:
                self._check_task_number(occupation, cleaned.get("task_number"))
        elif "task_number" not in self.errors:
            cleaned["task_number"] = None
        return cleaned


# Only the occupation field is changed for each form (its consultation, the chosen draft and
# the listed choices).
CommentForm.base_fields = FieldsCopiedWhereChanged(CommentForm.base_fields, per_form={"occupation"})
