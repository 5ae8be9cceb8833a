"""What an attachment of a known kind must not carry, judged by its content.

``consult.intake.file_kinds`` says what kind a file is; ``screen`` then says why a file of that
kind is refused, as one of the ``Refusal`` codes (``consult.intake.attachments`` words the
message):

- DOCX and ODT are zip archives: refused when their members would inflate past 100 MB or past
  100 times their packed size (a zip bomb; judged from the sizes the archive declares, nothing
  is decompressed), when they carry macros, or when a PDF header sits in their first kilobyte.
- PDF is walked object by object with ``pypdf``, which reads cross-reference and object
  streams, resolves indirect objects and normalises escaped names (``/J#61vaScript``), so that
  an action hidden in a compressed object stream is found as surely as a plain one. Refused
  when any dictionary names a script, an automatic or launch action or an embedded file, when
  the file is also a zip archive (a polyglot), or when it cannot be read at all.
- Plain text is refused when it looks like markup a browser would render (HTML, SVG, XML).
"""

from __future__ import annotations

import re
import zipfile
from enum import StrEnum

from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from consult.models import Attachment

ZIP_INFLATED_MAX_BYTES = 100 * 1000 * 1000
ZIP_RATIO_MAX = 100
# Macro storage of Word (binary VBA project and its data) and of OpenDocument (Basic modules,
# scripts).
MACRO_MEMBERS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^(Basic|Scripts)/", re.I)
PDF_ACTIVE_KEYS = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles"}
PDF_ACTIVE_VALUES = {"/JavaScript", "/Launch", "/EmbeddedFile"}
# A file of 10 MB holds far fewer objects; past this the walk stops and the file is refused.
PDF_OBJECTS_MAX = 200_000
MARKUP = re.compile(
    r"<\s*(html|head|body|script|svg|iframe|object|embed|!doctype|\?xml)\b", re.IGNORECASE
)


class Refusal(StrEnum):
    ZIP_BOMB = "zip_bomb"
    MACROS = "macros"
    PDF_ACTIVE = "pdf_active"
    PDF_UNREADABLE = "pdf_unreadable"
    POLYGLOT = "polyglot"
    MARKUP = "markup"


def screen(upload: UploadedFile, kind: str) -> Refusal | None:
    """Why ``upload`` (a Django UploadedFile whose content is ``kind``, an Attachment.Kind) is
    refused, or None. Leaves the file at its start."""
    try:
        if kind in {Attachment.Kind.DOCX, Attachment.Kind.ODT}:
            return _screen_archive(upload)
        if kind == Attachment.Kind.PDF:
            return _screen_pdf(upload)
        if kind == Attachment.Kind.TXT:
            return _screen_text(upload)
        return None
    finally:
        upload.seek(0)


def _screen_archive(upload: UploadedFile) -> Refusal | None:
    upload.seek(0)
    if b"%PDF-" in upload.read(1024):
        return Refusal.POLYGLOT
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        members = archive.infolist()
    inflated = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if inflated > ZIP_INFLATED_MAX_BYTES or inflated > ZIP_RATIO_MAX * max(packed, 1):
        return Refusal.ZIP_BOMB
    if any(MACRO_MEMBERS.search(member.filename) for member in members):
        return Refusal.MACROS
    return None


def _screen_pdf(upload: UploadedFile) -> Refusal | None:
    upload.seek(0)
    if zipfile.is_zipfile(upload):
        return Refusal.POLYGLOT
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return Refusal.PDF_UNREADABLE
        active = _has_active_content(reader.trailer)
    except Exception:
        # A parser over hostile input fails in many ways (its own errors, but also KeyError,
        # ValueError, RecursionError…); a PDF that cannot be walked cannot be cleared.
        return Refusal.PDF_UNREADABLE
    if active is None:
        return Refusal.PDF_UNREADABLE
    return Refusal.PDF_ACTIVE if active else None


def _has_active_content(trailer: DictionaryObject) -> bool | None:
    """Whether any object reachable from ``trailer`` names active content; None when there
    are too many objects to tell."""
    pending: list = [trailer]
    seen: set[tuple[int, int]] = set()
    for _ in range(PDF_OBJECTS_MAX):
        if not pending:
            return False
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if PDF_ACTIVE_KEYS & item.keys():
                return True
            if any(_is_active_name(item.get(key)) for key in ("/S", "/Type")):
                return True
            pending.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None


def _is_active_name(value: object) -> bool:
    return isinstance(value, str) and value in PDF_ACTIVE_VALUES


def _screen_text(upload: UploadedFile) -> Refusal | None:
    upload.seek(0)
    text = upload.read().decode("utf-8-sig", errors="replace")
    return Refusal.MARKUP if MARKUP.search(text) else None
