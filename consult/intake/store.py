"""The whole comment path: read what a comment is about, the one set of checks on
what a person sent, and storing it with its attachments and receipt.

The public form (``consult.intake.form.CommentForm``) runs these checks on its fields and shows
their messages; ``submit_comment`` stores what passed them. A comment costs two queries: the window
(with the chosen draft, when there is one) and the INSERT; one with an address also writes its
receipt to the outbox in the same transaction, and the worker sends it. The worker also puts each
new comment in its campaign (``consult.clustering``, on a schedule), never the request.

Nothing here needs to lock or re-check what it read. The window only moves later (an extension);
a draft can be withdrawn only while drafting or in review, and in neither is the window open.
So a comment taken at ``now`` on a read made moments before is a comment the rules allow.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_variables

from consult.delivery import outbox
from consult.intake import file_kinds as uploads
from consult.intake.screening import Refusal, screen
from consult.models import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_MAX_ATTACHMENTS,
    ApiKey,
    Attachment,
    Comment,
    Consultation,
    ConsultationQuerySet,
    DraftOccupation,
    OutgoingMail,
    comment_fingerprint,
    new_tracking_number,
)
from core import clamd
from core.clients import client_key, hash_ip
from core.errors import InvalidTransition

logger = logging.getLogger(__name__)

# C0 and C1 control characters; a text of several lines keeps its tabs and line ends.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The most a request may carry: three files of 10 MB, the typed text and the multipart framing.
# The proxy in front refuses larger bodies before they reach the app (README).
COMMENT_REQUEST_MAX_BYTES = 32 * 1024 * 1024
# 32^12 tracking numbers: a clash is all but impossible, and a fresh number settles one.
TRACKING_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Target:
    """What a comment is about: a public consultation, and one of its active drafts or None
    for the list as a whole."""

    consultation: Consultation
    draft: DraftOccupation | None = None


@dataclass(frozen=True)
class UploadedAttachment:
    """A file that passed ``check_attachments``: its detected type and its content."""

    name: str
    content_type: str
    file: File
    size: int


# What content screening refuses, by Refusal code (consult.intake.screening says how each is found).
SCREENING_REFUSALS = {
    Refusal.ZIP_BOMB: gettext_lazy(
        "“%(name)s” would inflate to more than 100 MB (or 100 times its size) when opened."
    ),
    Refusal.MACROS: gettext_lazy("“%(name)s” contains macros; save it without them."),
    Refusal.PDF_ACTIVE: gettext_lazy(
        "“%(name)s” contains scripts, automatic actions or embedded files; save or print it "
        "as a plain PDF."
    ),
    Refusal.PDF_UNREADABLE: gettext_lazy(
        "“%(name)s” could not be checked: the PDF is damaged or encrypted."
    ),
    Refusal.POLYGLOT: gettext_lazy("“%(name)s” is at once a PDF and a zip archive."),
    Refusal.MARKUP: gettext_lazy(
        "“%(name)s” contains web page markup (HTML, SVG or XML); send plain text."
    ),
}


# Reading ------------------------------------------------------------------------------------


def read_consultation(slug: str) -> Consultation | None:
    """The public consultation ``slug``, or None."""
    try:
        return Consultation.objects.public().get(slug=slug)
    except Consultation.DoesNotExist:
        return None


def read_target(slug: str, occupation: str = "") -> Target | None:
    """The public consultation ``slug`` and, if ``occupation`` is the id of one of its active
    drafts, that draft, read with its consultation in one query; None when there is no such
    consultation. An ``occupation`` that names no such draft gives a target without a draft
    (the form then refuses it)."""
    if occupation.isascii() and occupation.isdigit():
        drafts = (
            DraftOccupation.objects.active()
            .select_related("consultation")
            .filter(ConsultationQuerySet.public_condition("consultation__"))
        )
        try:
            draft = drafts.get(pk=int(occupation), consultation__slug=slug)
        except DraftOccupation.DoesNotExist:
            pass
        else:
            return Target(draft.consultation, draft)
    consultation = read_consultation(slug)
    return None if consultation is None else Target(consultation)


# Checks -------------------------------------------------------------------------------------


def check_plain_text(value: str, *, multiline: bool) -> None:
    """Text typed by a person holds no control characters (a text of several lines keeps its
    tabs and line ends)."""
    pattern = CONTROL_CHARACTERS_IN_LINES if multiline else CONTROL_CHARACTERS
    if value and pattern.search(value):
        raise ValidationError(
            _("Remove the control characters (invisible characters such as NUL) from this text."),
            code="control_characters",
        )


def check_part(
    draft: DraftOccupation | None, part: str, task_number: int | None
) -> dict[str, ValidationError]:
    """What is wrong with commenting on ``part`` (a ``Comment.Field``) of ``draft``, by the
    name of the input to blame; empty when nothing is."""
    if part and draft is None:
        return {
            "field": ValidationError(
                _("Choose an occupation to comment on one of its parts."), code="needs_occupation"
            )
        }
    if part != Comment.Field.TASK or draft is None:
        return {}
    count = len(draft.tasks)
    if count == 0:
        message = _("This occupation has no numbered tasks.")
    elif task_number is None:
        message = _("Give the number of the task you comment on.")
    elif task_number > count:
        message = ngettext(
            "“%(name)s” has %(count)d task; choose number 1.",
            "“%(name)s” has %(count)d tasks; choose a number from 1 to %(count)d.",
            count,
        ) % {"name": draft.name, "count": count}
    else:
        return {}
    return {"task_number": ValidationError(message, code="task_number")}


def check_attachments(files: Sequence[UploadedFile]) -> list[UploadedAttachment]:
    """The uploaded ``files`` (Django ``UploadedFile``s) as checked attachments: at most three,
    each at most 10 MB, not empty, and a PDF, DOCX, ODT or TXT file by its content as well as
    its name. Raises ValidationError with one message per refused file."""
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
        try:
            kind = _checked_kind(upload)
        except ValidationError as problem:
            problems.append(problem)
            continue
        checked.append(
            UploadedAttachment(
                name=upload.name or "", content_type=kind, file=upload, size=upload.size or 0
            )
        )
    if problems:
        raise ValidationError(problems)
    return checked


def check_upload_while_reading(name: str, *, number: int, received: int, total: int) -> None:
    """The limits on files as they arrive, checked before more is read: ``name`` is the
    ``number``-th file of the request (from 1), ``received`` bytes of it and ``total`` bytes of
    all files have been read. Raises ValidationError naming the file when there are more than
    three files, the file passes 10 MB, or the files together pass the request's cap."""
    params = {"name": name, "max": COMMENT_MAX_ATTACHMENTS}
    if number > COMMENT_MAX_ATTACHMENTS:
        raise ValidationError(
            _("“%(name)s” was not read: attach at most %(max)d files."),
            code="too_many",
            params=params,
        )
    if received > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 10 MB; each file may be at most 10 MB."),
            code="too_large",
            params=params,
        )
    if total > COMMENT_REQUEST_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” was not read: the files together may be at most 30 MB."),
            code="too_large_together",
            params=params,
        )


def _checked_kind(upload: UploadedFile) -> str:
    """The ``Attachment.Kind`` of ``upload``; ValidationError naming the file if refused."""
    params = {"name": upload.name}
    size = upload.size or 0
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; each file may be at most 10 MB."),
            code="too_large",
            params={**params, "size": filesizeformat(size)},
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params=params)
    expected = uploads.extension_kind(upload.name or "")
    if expected is None:
        raise ValidationError(
            _("“%(name)s”: only PDF, DOCX, ODT and TXT files are accepted."),
            code="extension",
            params=params,
        )
    if uploads.detect_kind(upload) != expected:
        raise ValidationError(
            _(
                "“%(name)s” is not a real %(kind)s file: files are checked by their content, "
                "not their name."
            ),
            code="content",
            params={**params, "kind": Attachment.Kind(expected).label},
        )
    refusal = screen(upload, expected)
    if refusal is not None:
        raise ValidationError(SCREENING_REFUSALS[refusal], code=refusal.value, params=params)
    _check_for_malware(upload)
    return expected


def _check_for_malware(upload: UploadedFile) -> None:
    """Scan ``upload`` with the configured clamd, if any. A file is refused when clamd finds
    something and also when clamd cannot answer: nothing is stored unscanned."""
    scanner = clamd.configured_scanner()
    if scanner is None:
        return
    params = {"name": upload.name}
    upload.seek(0)
    try:
        found = scanner.scan(upload)
    except clamd.ScannerUnavailable as error:
        logger.warning("Attachment refused: the virus scanner did not answer (%s)", error)
        raise ValidationError(
            _(
                "“%(name)s” could not be checked for viruses just now, so it was not accepted. "
                "Try again later, or send your comment without it."
            ),
            code="scanner_unavailable",
            params=params,
        ) from None
    finally:
        upload.seek(0)
    if found is not None:
        raise ValidationError(
            _("“%(name)s” contains a virus or other malware (%(signature)s)."),
            code="malware",
            params={**params, "signature": found},
        )


# Storing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """Who sent a comment and how to answer them: the client address (stored only as a salted
    hash, of its /64 for IPv6: the client the rate limit counts), the page's language (the
    receipt's) and the site's address (the receipt's link)."""

    ip: str = ""
    language: str | None = None
    site_url: str = ""


@dataclass(frozen=True)
class KeyedSubmission:
    """A comment sent through the API: the key it came with (its owner is shown as the
    submitting organisation), how many people that organisation speaks for, and the client's
    ``Idempotency-Key`` with a hash of the request, which make a retry store nothing new."""

    api_key: ApiKey
    signatures: int = 1
    idempotency_key: str = ""
    request_fingerprint: str = ""


# What a person typed stays out of error reports (the debug page, mails to ADMINS).
@sensitive_variables("body", "proposed_text", "name", "organisation", "email", "comment")
def submit_comment(
    target: Target,
    *,
    now: dt.datetime,
    body: str,
    field: str = "",
    task_number: int | None = None,
    proposed_text: str = "",
    name: str = "",
    organisation: str = "",
    email: str = "",
    consent_to_publish: bool = False,
    notify_replies: bool = False,
    attachments: Iterable[UploadedAttachment] = (),
    sender: Sender = Sender(),
    keyed: KeyedSubmission | None = None,
) -> Comment:
    """Store a comment on ``target`` with its attachments and, when an address was given, its
    receipt in the outbox (delivered by a worker once the comment is committed).

    Requires the window open at ``now``, the moment the request arrived (InvalidTransition
    otherwise, storing nothing), and inputs that passed this module's checks, as the form's
    do; the database refuses what breaks its constraints. All or nothing: on any error no row
    is kept and no attachment file is left on disk. With ``keyed``, a second comment with
    the same key and ``Idempotency-Key`` is refused by the database (IntegrityError).
    """
    if not target.consultation.is_open_for_comments(now):
        raise InvalidTransition(_("This consultation is not accepting comments now."))
    if target.draft is not None and target.draft.consultation_id != target.consultation.pk:
        raise InvalidTransition(
            _("That occupation is not in this consultation."), field="occupation"
        )
    comment = Comment(
        consultation=target.consultation,
        occupation=target.draft,
        field=field,
        task_number=task_number if field == Comment.Field.TASK else None,
        body=body,
        proposed_text=proposed_text,
        author_name=name,
        organisation=organisation,
        email=email,
        consent_to_publish=consent_to_publish,
        # Replies are told by e-mail: without an address there is no one to tell.
        notify_replies=notify_replies and bool(email),
        submitted_at=now,
        fingerprint=comment_fingerprint(body),
        ip_hash=hash_ip(client_key(sender.ip)),
    )
    if keyed is not None:
        comment.api_key = keyed.api_key
        comment.signatures = keyed.signatures
        comment.idempotency_key = keyed.idempotency_key
        comment.request_fingerprint = keyed.request_fingerprint
    attachments = list(attachments)
    language = (sender.language or translation.get_language()) if email else ""
    comment.language = language
    for attempt in range(1, TRACKING_NUMBER_ATTEMPTS + 1):
        comment.tracking_number = new_tracking_number()
        try:
            _store(comment, attachments, receipt_language=language, site_url=sender.site_url)
        except IntegrityError:
            clash = Comment.objects.filter(tracking_number=comment.tracking_number).exists()
            if not clash or attempt == TRACKING_NUMBER_ATTEMPTS:
                raise
            continue
        break
    return comment


def _store(
    comment: Comment,
    attachments: list[UploadedAttachment],
    *,
    receipt_language: str = "",
    site_url: str = "",
) -> None:
    """INSERT the comment, its attachments and, with a ``receipt_language``, its receipt in the
    outbox, all or nothing.

    A comment alone is one INSERT, all or nothing by itself in autocommit. With attachments or
    a receipt, or inside a caller's transaction, it is a transaction (a savepoint there) of its
    own, so that a refused row rolls back alone and the caller's transaction stays usable; the
    files written for rows rolled back are deleted, since they hold personal data.
    """
    alone = not attachments and not receipt_language
    if alone and not transaction.get_connection().in_atomic_block:
        comment.save(force_insert=True)
        return
    written = []
    try:
        with transaction.atomic():
            comment.save(force_insert=True)
            if receipt_language:
                _write_receipt(comment, receipt_language, site_url)
            for upload in attachments:
                attachment = Attachment(
                    comment=comment,
                    original_name=upload.name[:255],
                    content_type=upload.content_type,
                    size=upload.size,
                )
                attachment.file.save(upload.name, upload.file, save=False)
                written.append(attachment.file)
                attachment.save()
    except BaseException:
        for file in written:
            if file.name:
                file.storage.delete(file.name)
        raise


def _write_receipt(comment: Comment, language: str, site_url: str) -> None:
    with translation.override(language):
        context = {
            "comment": comment,
            "consultation": comment.consultation,
            "receipt_url": site_url + comment.get_absolute_url(),
        }
        outbox.write_mail(
            kind=OutgoingMail.Kind.RECEIPT,
            recipient=comment.email,
            language=language,
            subject=_("Your comment %(number)s was received") % {"number": comment.tracking_number},
            body=render_to_string("emails/comment_receipt.txt", context),
            now=comment.submitted_at,
        )


def comments_sent_since(ip: str, since: float) -> int:
    """How many comments were stored from the client at ``ip`` (counted as the limit counts
    it: an IPv6 client by its /64) from the Unix time ``since`` on: the comment limit's count
    when the shared cache is down, so that it still holds across every process."""
    start = dt.datetime.fromtimestamp(since, tz=dt.UTC)
    return Comment.objects.sent_from(hash_ip(client_key(ip)), start).count()


def window_refusal(consultation: Consultation, now: dt.datetime) -> str:
    """Why ``consultation`` takes no comment at ``now``, for whoever sent one (the page and
    the API say the same); empty while its window is open."""
    state = consultation.state(now)
    if state == Consultation.State.OPEN:
        return ""
    if state == Consultation.State.SCHEDULED and consultation.opens_at is not None:
        return _(
            "Your comment was not sent: comments are accepted from %(opens_at)s (Beijing time)."
        ) % {"opens_at": _to_the_second(consultation.opens_at)}
    return _(
        "Your comment was not sent: the consultation closed at %(closes_at)s (Beijing time)."
    ) % {"closes_at": _to_the_second(consultation.closes_at)}


def window_refusal_on_page(consultation: Consultation, now: dt.datetime) -> str:
    """``window_refusal`` as the page shows it, above the form that keeps what was typed."""
    refusal = window_refusal(consultation, now)
    if not refusal:
        return ""
    if consultation.state(now) == Consultation.State.SCHEDULED:
        return f"{refusal} {_('Your text is kept below.')}"
    return f"{refusal} {_('Your text is kept below so that you can copy it.')}"


def _to_the_second(value: dt.datetime | None) -> str:
    # The person needs to see that the boundary has passed. A public consultation always has
    # its window (consultation_window_set_once_public).
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""
