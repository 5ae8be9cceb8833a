"""What an uploaded attachment really is, judged by its content rather than its name.

PDF is recognised by ``filetype``; DOCX and ODT are both zip files and are told apart by what
the archive holds (ODT's ``mimetype`` member, DOCX's ``word/document.xml``); plain text must be
valid UTF-8 without NUL or other control bytes. A file is accepted only when its content and its
name's extension agree, so a text file called ``report.pdf`` is refused.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

import filetype  # type: ignore[import-untyped]
from django.core.files.uploadedfile import UploadedFile

from consult.models import Attachment

KIND_BY_EXTENSION = {
    ".pdf": Attachment.Kind.PDF,
    ".docx": Attachment.Kind.DOCX,
    ".odt": Attachment.Kind.ODT,
    ".txt": Attachment.Kind.TXT,
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Bytes allowed in a text file besides printable characters: tab, line feed, form feed, CR.
TEXT_CONTROL_ALLOWED = {"\t", "\n", "\x0c", "\r"}


def extension_kind(name: str) -> str | None:
    return KIND_BY_EXTENSION.get(PurePath(name).suffix.lower())


def detect_kind(upload: UploadedFile) -> str | None:
    """The Attachment.Kind the content of ``upload`` (a Django UploadedFile) is, or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    try:
        guessed = filetype.guess(head)
        if guessed is not None:
            if guessed.mime == "application/pdf" and head.startswith(b"%PDF-"):
                return Attachment.Kind.PDF
            if guessed.extension in {"zip", "docx", "odt", "xlsx", "pptx", "ods", "odp"}:
                return _zip_kind(upload)
            return None
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(upload)
        return Attachment.Kind.TXT if _is_plain_text(upload) else None
    finally:
        upload.seek(0)


def _zip_kind(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # Only the first bytes are read: a zip bomb never gets decompressed here.
                with archive.open("mimetype") as member:
                    declared = member.read(len(ODT_MIMETYPE) + 1).strip()
                if declared == ODT_MIMETYPE and "content.xml" in names:
                    return Attachment.Kind.ODT
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return Attachment.Kind.DOCX
            return None
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None


def _is_plain_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    data = upload.read()
    if not data or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(
        (ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F) and ch not in TEXT_CONTROL_ALLOWED for ch in text
    )
