"""Attachments of an accepted kind that carry what must not be stored are refused by name:
zip bombs, macros, active PDF content (also hidden in compressed object streams), PDF+ZIP
polyglots and markup named .txt; nothing is stored."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter

from consult.models import Attachment, Comment
from tests.site.conftest import minimal_docx, minimal_odt, minimal_pdf, upload
from tests.site.test_comment_form import error_summary

pytestmark = pytest.mark.django_db

CATALOG = b"<< /Type /Catalog /Pages 2 0 R %s>>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] %s>>"


def pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", *more: bytes) -> bytes:
    """A one-page PDF with a classic cross-reference table; ``more`` are objects 4, 5…"""
    objects = [CATALOG % catalog_extra, PAGES, PAGE % page_extra, *more]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_with_object_stream(catalog_extra: bytes) -> bytes:
    """A PDF 1.5 whose catalog, pages and page sit in a Flate-compressed object stream
    (object 4) indexed by a cross-reference stream (object 5): no dictionary is in clear."""
    inner = [CATALOG % catalog_extra, PAGES, PAGE % b""]
    offsets, position = [], 0
    for body in inner:
        offsets.append(position)
        position += len(body) + 1
    header = b" ".join(b"%d %d" % (n, off) for n, off in zip((1, 2, 3), offsets, strict=True))
    header += b" "
    packed = zlib.compress(header + b"\n".join(inner) + b"\n")
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    stream_at = out.tell()
    out.write(
        b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = out.tell()
    rows = [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, stream_at, 0), (1, xref_at, 0)]
    table = b"".join(
        kind.to_bytes(1, "big") + field.to_bytes(4, "big") + extra.to_bytes(2, "big")
        for kind, field, extra in rows
    )
    out.write(
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return out.getvalue()


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def archive(base: bytes, **members: bytes) -> bytes:
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, content in members.items():
            zipped.writestr(name.replace("__", "/"), content)
    return out.getvalue()


def docx_with(name: str, content: bytes) -> bytes:
    out = io.BytesIO(minimal_docx())
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(name, content)
    return out.getvalue()


def odt_with(name: str, content: bytes) -> bytes:
    out = io.BytesIO(minimal_odt())
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(name, content)
    return out.getvalue()


def polyglot() -> bytes:
    tail = io.BytesIO()
    with zipfile.ZipFile(tail, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    return minimal_pdf() + tail.getvalue()


INFLATES = "would inflate to more than 100 MB"
MACROS = "contains macros"
ACTIVE = "contains scripts, automatic actions or embedded files"
MARKUP = "contains web page markup"

REFUSED = {
    "docx inflating 1000:1": (
        lambda: docx_with("word/media/blank.xml", bytes(20 * 10**6)),
        INFLATES,
    ),
    "docx inflating past 100 MB": (
        lambda: docx_with("word/media/blank.xml", bytes(101 * 10**6)),
        INFLATES,
    ),
    "docx with vbaProject.bin": (lambda: docx_with("word/vbaProject.bin", b"\xd0\xcf"), MACROS),
    "docx with vbaData.xml": (lambda: docx_with("word/vbaData.xml", b"<wne:vbaSuppData/>"), MACROS),
    "odt with Basic/": (lambda: odt_with("Basic/Standard/Module1.xml", b"<module/>"), MACROS),
    "odt with Scripts/": (lambda: odt_with("Scripts/python/run.py", b"import os"), MACROS),
    "pdf opening a web address on opening": (
        lambda: pdf(b"/OpenAction 4 0 R ", b"", b"<< /S /URI /URI (https://x) >>"),
        ACTIVE,
    ),
    "pdf printing when a page is shown": (
        lambda: pdf(b"", b"/AA << /O 4 0 R >> ", b"<< /S /Named /N /Print >>"),
        ACTIVE,
    ),
    "pdf going to a page, then launching, on opening": (
        lambda: pdf(
            b"/OpenAction 4 0 R ",
            b"",
            b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /Named /N /Print >> >>",
        ),
        ACTIVE,
    ),
    "pdf with Launch": (
        lambda: pdf(b"", b"/Annots [4 0 R] ", b"<< /Type /Annot /A << /S /Launch /F (x) >> >>"),
        ACTIVE,
    ),
    "pdf with escaped JavaScript": (
        lambda: pdf(b"", b"/Annots [4 0 R] ", b"<< /Type /Annot /A << /S /J#61vaScript >> >>"),
        ACTIVE,
    ),
    "pdf with a JavaScript name tree": (
        lambda: pdf(
            b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >> ",
            b"",
            b"<< /S /JavaScript /JS (app.alert(1)) >>",
        ),
        ACTIVE,
    ),
    "pdf with an embedded file": (pdf_with_embedded_file, ACTIVE),
    "pdf with OpenAction in a compressed object stream": (
        lambda: pdf_with_object_stream(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        ACTIVE,
    ),
    "pdf that is also a zip": (polyglot, "is at once a PDF and a zip archive"),
    "html named .txt": (lambda: b"<html><body><p>Hello</p></body></html>", MARKUP),
    "svg named .txt": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', MARKUP),
    "doctype named .txt": (lambda: b"\n  <!DOCTYPE html>\n<p>Hello", MARKUP),
    "script in text": (lambda: b"Dear ministry,\n<script>alert(1)</script>", MARKUP),
}
EXTENSIONS = {"docx": ".docx", "odt": ".odt", "pdf": ".pdf", "txt": ".txt"}


def _name(case: str) -> str:
    """ "docx with …" is sent as attached.docx; "… named .txt" and "… in text" as attached.txt."""
    if "named .txt" in case or "in text" in case:
        return "attached.txt"
    return "attached" + EXTENSIONS[case.split()[0]]


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_screened_files_are_refused_by_name_and_nothing_is_stored(
    client, consultation, comment_url, valid_data, during, settings, case
):
    build, message = REFUSED[case]
    name = _name(case)

    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, build())]})

    assert response.status_code == 400
    summary = error_summary(response)
    assert f"“{name}” {message}" in summary
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


ACCEPTED = {
    "plain pdf": ("plain.pdf", pdf),
    "pdf with a link": (
        "link.pdf",
        lambda: pdf(
            b"", b"/Annots [4 0 R] ", b"<< /Type /Annot /A << /S /URI /URI (https://x) >> >>"
        ),
    ),
    "pdf in an object stream": ("packed.pdf", lambda: pdf_with_object_stream(b"")),
    # What LaTeX, Word and LibreOffice write: open at the first page, fitted.
    "pdf opening at a page": ("fit.pdf", lambda: pdf(b"/OpenAction [3 0 R /Fit] ")),
    "pdf going to a page on opening": (
        "goto.pdf",
        lambda: pdf(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >> "),
    ),
    "compressed docx": (
        "letter.docx",
        lambda: docx_with(
            "word/styles.xml",
            b'<w:styles xmlns:w="urn:w">' + b"<w:style/>" * 50 + b"</w:styles>",
        ),
    ),
    "text comparing numbers": ("note.txt", lambda: "3 < 4 and a<b; 收入 > 支出\n".encode()),
}


@pytest.mark.parametrize("case", ACCEPTED, ids=list(ACCEPTED))
def test_ordinary_files_pass_the_screening(
    client, consultation, comment_url, valid_data, during, case
):
    name, build = ACCEPTED[case]
    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, build())]})
    assert response.status_code == 302, error_summary(response)
    assert Attachment.objects.get().original_name == name
