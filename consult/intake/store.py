"""Storing a comment that was taken: its row, its attachments and, when an address was given,
its receipt in the outbox, all in one transaction; and how many comments a client sent lately.

``consult.intake.verdict.take_comment`` decides whether a submission is taken and calls
``submit_comment`` with what the form cleaned. A comment costs two queries: the window (with
the chosen draft, when there is one: ``consult.intake.verdict.read_target``) and the INSERT;
one with an address also writes its receipt to the outbox in the same transaction, and the
worker sends it. The worker also puts each new comment in its campaign (``consult.clustering``,
on a schedule), never the request.

Nothing here needs to lock or re-check what it read. The window only moves later (an extension);
a draft can be withdrawn only while drafting or in review, and in neither is the window open.
So a comment taken at ``now`` on a read made moments before is a comment the rules allow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from consult.delivery import outbox
from consult.intake.attachments import UploadedAttachment
from consult.models import (
    ApiKey,
    Attachment,
    Comment,
    Consultation,
    DraftOccupation,
    OutgoingMail,
    comment_fingerprint,
    new_tracking_number,
)
from consult.workflow import withdrawal
from core.clients import client_key, hash_ip
from core.errors import InvalidTransition

# 32^12 tracking numbers: a clash is all but impossible, and a fresh number settles one.
TRACKING_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Target:
    """What a comment is about: a public consultation, and one of its active drafts or None
    for the list as a whole."""

    consultation: Consultation
    draft: DraftOccupation | None = None


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
    submission_token: str = "",
) -> Comment:
    """Store a comment on ``target`` with its attachments and, when an address was given, its
    receipt in the outbox (delivered by a worker once the comment is committed).

    Requires the window open at ``now``, the moment the request arrived (InvalidTransition
    otherwise, storing nothing), and inputs that passed the checks of
    ``consult.intake.form.CommentForm`` (``attachments`` from
    ``consult.intake.attachments.check_attachments``); the database refuses what breaks its
    constraints. All or nothing: on any error no row is kept and no attachment file is left on
    disk. With ``keyed``, a second comment with the same key and ``Idempotency-Key`` is refused
    by the database (IntegrityError), and so is a second comment with the same public
    ``submission_token``.
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
        submission_token=submission_token,
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
                    sha256=file_sha256(upload.file),
                )
                attachment.file.save(upload.name, upload.file, save=False)
                written.append(attachment.file)
                attachment.save()
    except BaseException:
        for file in written:
            if file.name:
                file.storage.delete(file.name)
        raise


def file_sha256(file: File) -> str:
    """The SHA-256 of an uploaded file (hex), read in chunks, the file left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _write_receipt(comment: Comment, language: str, site_url: str) -> None:
    with translation.override(language):
        context = {
            "comment": comment,
            "consultation": comment.consultation,
            "receipt_url": site_url + comment.get_absolute_url(),
            "private_url": withdrawal.private_url(comment.pk, site_url),
            "record_salt": bytes(comment.record_salt).hex(),
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
