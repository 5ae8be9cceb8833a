"""The checks on a comment's attachments: how many files, how large, of what kind by their
content, what that content must not carry, and no malware (clamd, when one is configured).

``check_upload_while_reading`` applies the limits as the body arrives (the upload handler,
``consult.intake.upload_handler``); ``check_attachments`` checks the files received (the form,
``consult.intake.form``) and gives them as ``UploadedAttachment``s, which
``consult.intake.store`` stores. What a file is comes from ``consult.intake.file_kinds``, what
its content must not carry from ``consult.intake.screening``; the messages are worded here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consult.intake import file_kinds
from consult.intake.screening import Refusal, screen
from consult.models import ATTACHMENT_MAX_BYTES, COMMENT_MAX_ATTACHMENTS, Attachment
from core import clamd

logger = logging.getLogger(__name__)

# The most a request may carry: three files of 10 MB, the typed text and the multipart framing.
# The proxy in front refuses larger bodies before they reach the app (README).
COMMENT_REQUEST_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class UploadedAttachment:
    """A file that passed ``check_attachments``: its detected type and its content."""

    name: str
    content_type: str
    file: File
    size: int


# What content screening refuses, by Refusal code (consult.intake.screening says how each is
# found).
SCREENING_REFUSALS = {
    Refusal.ZIP_BOMB: gettext_lazy(
        "“%(name)s” would inflate to more than 100 MB (or 100 times its size) when opened."
    ),
    Refusal.MACROS: gettext_lazy("“%(name)s” contains macros; save it without them."),
    Refusal.EMBEDDED_OBJECT: gettext_lazy(
        "“%(name)s” contains an embedded object or control (OLE or ActiveX); save it without "
        "embedded objects."
    ),
    Refusal.EXTERNAL_CONTENT: gettext_lazy(
        "“%(name)s” loads content from elsewhere when it is opened (a linked template, image, "
        "document or field); save it with everything it needs inside it."
    ),
    Refusal.ARCHIVE_UNREADABLE: gettext_lazy(
        "“%(name)s” could not be checked: the file is damaged or encrypted."
    ),
    Refusal.PDF_ACTIVE: gettext_lazy(
        "“%(name)s” contains scripts, automatic actions or embedded files; save or print it "
        "as a plain PDF."
    ),
    Refusal.PDF_UNREADABLE: gettext_lazy(
        "“%(name)s” could not be checked: the PDF is damaged or encrypted."
    ),
    Refusal.POLYGLOT: gettext_lazy("“%(name)s” is at once a PDF and a zip archive."),
    Refusal.MARKUP: gettext_lazy(
        "“%(name)s” contains web page markup (HTML, SVG or XML) or a script link; send plain text."
    ),
}


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
    expected = file_kinds.extension_kind(upload.name or "")
    if expected is None:
        raise ValidationError(
            _("“%(name)s”: only PDF, DOCX, ODT and TXT files are accepted."),
            code="extension",
            params=params,
        )
    if file_kinds.detect_kind(upload) != expected:
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
