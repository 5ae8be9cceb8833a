"""What an attachment of a known kind must not carry, judged by what its content does rather
than by what it declares.

``consult.intake.file_kinds`` says what kind a file is; ``screen`` then says why a file of that
kind is refused, as one of the ``Refusal`` codes (``consult.intake.attachments`` words the
message):

- DOCX and ODT are zip archives. Every member is inflated while the bytes it really gives are
  counted (the sizes in its headers may lie): the archive is refused as soon as the count
  passes 100 MB or 100 times the file's size, without inflating the rest. Refused too when it
  carries macros, an embedded OLE object or ActiveX control (found by the OLE header of a
  member, whatever its name, and by the relationships that point at one), content it would
  fetch when opened (a relationship with ``TargetMode="External"`` other than a hyperlink, such
  as a remote ``attachedTemplate``; in ODT a linked section, image or object; in DOCX an
  ``INCLUDETEXT``, ``INCLUDEPICTURE``, ``LINK`` or ``DDE`` field), when a PDF header sits in its
  first kilobyte, or when it cannot be read (an XML member declaring a DTD or entities
  included). The XML is read by expat hardened as defusedxml hardens it (``_XmlReader``):
  oletools would find the OLE objects but not the external relationships, linked sections or
  fields, and would read the archive again trusting its declared sizes.
- PDF is walked object by object with ``pypdf``, which reads cross-reference and object
  streams, resolves indirect objects and normalises escaped names (``/J#61vaScript``), so that
  an action hidden in a compressed object stream is found as surely as a plain one. Refused
  when any dictionary names a script (JavaScript, an XFA form), an automatic action other than
  showing a place in the document (``/OpenAction``, ``/AA``), an action that launches a
  program, opens another file, sends or imports form data or plays rich media (``/Launch``,
  ``/GoToR``, ``/GoToE``, ``/SubmitForm``, ``/ImportData``, ``/RichMedia``…), a link to
  anything but a web or mail address, or an embedded file (``/EF``, with or without ``/Type
  /EmbeddedFile``); when the file is also a zip archive (a polyglot), or when it cannot be read
  at all.
- Plain text is read by Python's HTML tokenizer (``html.parser``) as a browser would read it,
  and refused when it holds a tag (any tag a browser would build an element from, or any tag
  with an attribute), a comment, declaration or processing instruction, or a ``javascript:``
  or ``vbscript:`` URL.
"""

from __future__ import annotations

import contextlib
import copy
import html
import pyexpat
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser

from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from consult.models import Attachment

ZIP_INFLATED_MAX_BYTES = 100 * 1000 * 1000
ZIP_RATIO_MAX = 100
ZIP_READ_CHUNK = 256 * 1024
# Macro storage of Word (binary VBA project and its data) and of OpenDocument (Basic modules,
# scripts).
MACRO_MEMBERS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^(Basic|Scripts)/", re.I)
# The first bytes of an OLE compound file: an embedded object, an ActiveX control, a VBA
# project, whatever the member is called.
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# Members whose XML says what the document links or embeds.
DOCX_XML = re.compile(r"(^|/)_rels/[^/]*\.rels$|^word/[^/]*\.xml$", re.I)
ODT_XML = re.compile(r"^(content|styles)\.xml$|^META-INF/manifest\.xml$")
# Names as expat gives them with "}" between namespace and local name.
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Relationship types that point at an OLE object or an ActiveX control.
EMBEDDED_OBJECT_TYPES = ("/oleObject", "/control", "/activeXControlBinary")
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
INSTR_TEXT = f"{WORD}instrText"
FLD_SIMPLE = f"{WORD}fldSimple"
FLD_SIMPLE_INSTR = f"{WORD}instr"
# Word fields that fetch or run something when the document is opened or updated.
FETCHING_FIELDS = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|LINK|DDE|DDEAUTO|IMPORT)\b", re.I)
XLINK_HREF = "http://www.w3.org/1999/xlink}href"
# ODT elements whose xlink:href is a hyperlink (followed only when clicked).
ODT_HYPERLINKS = {
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0}a",
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}a",
}
ODT_MANIFEST_ENTRY = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}file-entry"
ODT_MEDIA_TYPE = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}media-type"
# More XML elements than a 10 MB document holds; past this the file is refused unchecked.
XML_ELEMENTS_MAX = 5_000_000
# A reference leaving the package: a URL scheme, an absolute path, a parent folder.
OUTSIDE_PACKAGE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|/|\\|\.\./)", re.I)

PDF_ACTIVE_KEYS = {
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFiles",
    "/EF",
    "/XFA",
    "/RichMediaContent",
    "/RichMediaSettings",
}
# Names of /S (an action's type), /Type and /Subtype that run, open, send or embed something.
PDF_ACTIVE_VALUES = {
    "/JavaScript",
    "/Launch",
    "/EmbeddedFile",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/RichMedia",
    "/RichMediaExecute",
    "/Rendition",
    "/FileAttachment",
}
# Longest chain of automatic GoTo actions (/Next) looked at before the file is refused.
PDF_ACTION_CHAIN_MAX = 20
PDF_LINK_SCHEMES = re.compile(r"^\s*(https?|mailto):", re.I)
# A file of 10 MB holds far fewer objects; past this the walk stops and the file is refused.
PDF_OBJECTS_MAX = 200_000
# Tag names a browser builds an element from (HTML, SVG, MathML, custom elements).
ELEMENT_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9._]*)*(:[a-z][a-z0-9-]*)?$", re.I)
ATTRIBUTE_NAME = re.compile(r"^[a-z_:@][a-z0-9_:.@-]*$", re.I)
SCRIPT_URL = re.compile(r"\b(javascript|vbscript)\s*:", re.I)
BANG_OR_QUESTION = re.compile(r"<[!?]")
TEXT_OPENINGS_MAX = 10_000
# Characters a browser drops from a URL before it reads its scheme.
URL_IGNORED = re.compile(r"[\x00-\x20]")


class Refusal(StrEnum):
    ZIP_BOMB = "zip_bomb"
    MACROS = "macros"
    EMBEDDED_OBJECT = "embedded_object"
    EXTERNAL_CONTENT = "external_content"
    ARCHIVE_UNREADABLE = "archive_unreadable"
    PDF_ACTIVE = "pdf_active"
    PDF_UNREADABLE = "pdf_unreadable"
    POLYGLOT = "polyglot"
    MARKUP = "markup"


def screen(upload: UploadedFile, kind: str) -> Refusal | None:
    """Why ``upload`` (a Django UploadedFile whose content is ``kind``, an Attachment.Kind) is
    refused, or None. Leaves the file at its start."""
    try:
        if kind in {Attachment.Kind.DOCX, Attachment.Kind.ODT}:
            return _screen_archive(upload, kind)
        if kind == Attachment.Kind.PDF:
            return _screen_pdf(upload)
        if kind == Attachment.Kind.TXT:
            return _screen_text(upload)
        return None
    finally:
        upload.seek(0)


# Archives ---------------------------------------------------------------------------------


@dataclass
class _Inflated:
    """What inflating an archive's members found: each member's first bytes, and whole the
    members whose XML is read."""

    heads: dict[str, bytes] = field(default_factory=dict)
    xml: dict[str, bytes] = field(default_factory=dict)


def _screen_archive(upload: UploadedFile, kind: str) -> Refusal | None:
    upload.seek(0)
    if b"%PDF-" in upload.read(1024):
        return Refusal.POLYGLOT
    upload.seek(0)
    size = upload.size or 0
    limit = min(ZIP_INFLATED_MAX_BYTES, ZIP_RATIO_MAX * max(size, 1))
    wanted = DOCX_XML if kind == Attachment.Kind.DOCX else ODT_XML
    try:
        with zipfile.ZipFile(upload) as archive:
            members = [member for member in archive.infolist() if not member.is_dir()]
            # Two members of one name: which one a word processor reads is anyone's guess.
            if len({member.filename for member in members}) < len(members):
                return Refusal.ARCHIVE_UNREADABLE
            # An archive that admits to being a bomb is refused without inflating anything.
            if sum(member.file_size for member in members) > limit:
                return Refusal.ZIP_BOMB
            if any(MACRO_MEMBERS.search(member.filename) for member in members):
                return Refusal.MACROS
            inflated = _inflate(archive, members, limit, wanted)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        # Damaged, encrypted (RuntimeError), or compressed in a way zipfile does not read.
        return Refusal.ARCHIVE_UNREADABLE
    if inflated is None:
        return Refusal.ZIP_BOMB
    if any(head.startswith(OLE_MAGIC) for head in inflated.heads.values()):
        return Refusal.EMBEDDED_OBJECT
    try:
        return _screen_xml(kind, inflated.xml)
    except (pyexpat.ExpatError, _Unreadable):
        return Refusal.ARCHIVE_UNREADABLE


def _inflate(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limit: int, wanted: re.Pattern
) -> _Inflated | None:
    """Inflate every member, counting the bytes it really gives rather than the size its
    headers declare; None as soon as the count passes ``limit`` (the rest is not inflated)."""
    found = _Inflated()
    total = 0
    for member in members:
        # zipfile stops a member at its declared size (and then fails its CRC check): told
        # that the member may be larger than the limit by more than a read, it gives what the
        # data really holds, and the count below stops first.
        unbounded = copy.copy(member)
        unbounded.file_size = limit + ZIP_READ_CHUNK + 1
        keep = wanted.search(member.filename) is not None
        head, parts = b"", []
        with archive.open(unbounded) as stream:
            while chunk := stream.read(ZIP_READ_CHUNK):
                total += len(chunk)
                if total > limit:
                    return None
                if len(head) < len(OLE_MAGIC):
                    head = (head + chunk)[: len(OLE_MAGIC)]
                if keep:
                    parts.append(chunk)
        found.heads[member.filename] = head
        if keep:
            found.xml[member.filename] = b"".join(parts)
    return found


class _Unreadable(Exception):
    """An XML document that declares a DTD or entities, or holds too many elements."""


def _screen_xml(kind: str, documents: dict[str, bytes]) -> Refusal | None:
    """What the XML ``documents`` of a DOCX or ODT file (by member name) link or embed."""
    reader = _XmlReader(kind)
    for name, content in documents.items():
        refusal = reader.read(name, content)
        if refusal is not None:
            return refusal
    if any(FETCHING_FIELDS.search(code) for code in reader.field_codes):
        return Refusal.EXTERNAL_CONTENT
    return None


class _XmlReader:
    """Reads the XML of an archive's members with expat, element by element, keeping
    nothing but what it looks for: memory stays flat and each element costs one call.

    Hardened as defusedxml hardens expat (its parsers are not used: they do Python work for
    every element and every event, 7–9 s for a 33 MB document against 2 s here): a DTD, an
    entity declaration or an external entity makes the document unreadable, so no entity can
    expand; and past ``XML_ELEMENTS_MAX`` elements the file is not checked further but
    refused."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.field_codes: list[str] = []
        self.elements = 0
        self.refusal: Refusal | None = None
        self.in_field_code = False

    def read(self, name: str, content: bytes) -> Refusal | None:
        parser = pyexpat.ParserCreate(namespace_separator="}")
        parser.StartDoctypeDeclHandler = _forbidden
        parser.EntityDeclHandler = _forbidden
        parser.UnparsedEntityDeclHandler = _forbidden
        parser.ExternalEntityRefHandler = _forbidden_external
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        if self.kind == Attachment.Kind.DOCX:
            parser.StartElementHandler = self._docx_start
            parser.EndElementHandler = self._docx_end
            parser.CharacterDataHandler = self._docx_text
        elif name == "META-INF/manifest.xml":
            parser.StartElementHandler = self._manifest_start
        else:
            parser.StartElementHandler = self._odt_start
        with contextlib.suppress(_Found):  # the first refusal stops the parse
            parser.Parse(content, True)
        return self.refusal

    def _counted(self) -> None:
        self.elements += 1
        if self.elements > XML_ELEMENTS_MAX:
            raise _Unreadable

    def _found(self, refusal: Refusal) -> None:
        self.refusal = refusal
        raise _Found

    def _docx_start(self, tag: str, attrs: dict[str, str]) -> None:
        self._counted()
        if tag == RELATIONSHIPS:
            kind = attrs.get("Type", "")
            if kind.endswith(EMBEDDED_OBJECT_TYPES):
                self._found(Refusal.EMBEDDED_OBJECT)
            external = attrs.get("TargetMode", "").lower() == "external"
            if external and not kind.endswith("/hyperlink"):
                self._found(Refusal.EXTERNAL_CONTENT)
        elif tag == INSTR_TEXT:
            # A field's code may be split over several runs: joined before it is read.
            self.in_field_code = True
            self.field_codes.append("")
        elif tag == FLD_SIMPLE:
            self.field_codes.append(attrs.get(FLD_SIMPLE_INSTR, ""))

    def _docx_end(self, tag: str) -> None:
        if tag == INSTR_TEXT:
            self.in_field_code = False

    def _docx_text(self, text: str) -> None:
        if self.in_field_code:
            self.field_codes[-1] += text

    def _manifest_start(self, tag: str, attrs: dict[str, str]) -> None:
        self._counted()
        if tag == ODT_MANIFEST_ENTRY and "oleobject" in attrs.get(ODT_MEDIA_TYPE, "").lower():
            self._found(Refusal.EMBEDDED_OBJECT)

    def _odt_start(self, tag: str, attrs: dict[str, str]) -> None:
        self._counted()
        target = attrs.get(XLINK_HREF)
        if target is not None and tag not in ODT_HYPERLINKS and OUTSIDE_PACKAGE.search(target):
            self._found(Refusal.EXTERNAL_CONTENT)


class _Found(Exception):
    """Raised by ``_XmlReader`` at the first thing it refuses: the rest need not be read."""


def _forbidden(*args: object) -> None:
    raise _Unreadable


def _forbidden_external(*args: object) -> int:
    raise _Unreadable


# PDF --------------------------------------------------------------------------------------


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
            if _is_active(item):
                return True
            pending.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None


def _is_active(item: DictionaryObject) -> bool:
    if PDF_ACTIVE_KEYS & item.keys():
        return True
    # Actions run without a click (on opening the document, on showing a page…): only moving
    # to a place in the document, as most PDF writers set for opening, is harmless.
    if "/OpenAction" in item and not _goes_to_a_place(item["/OpenAction"]):
        return True
    triggers = _resolved(item.get("/AA"))
    if triggers is not None and not (
        isinstance(triggers, DictionaryObject)
        and all(_goes_to_a_place(action) for action in dict.values(triggers))
    ):
        return True
    if any(_is_active_name(item.get(key)) for key in ("/S", "/Type", "/Subtype")):
        return True
    # A link action to anything but the web or mail (file:, javascript:…).
    if item.get("/S") == "/URI":
        target = item.get("/URI")
        target = target.get_object() if isinstance(target, IndirectObject) else target
        return not (isinstance(target, str | bytes) and PDF_LINK_SCHEMES.match(_text(target)))
    return False


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _goes_to_a_place(action: object) -> bool:
    """Whether ``action`` (an automatic action) only shows a place in the document: a
    destination (an array, a name, a string) or GoTo actions, each to the next."""
    for _ in range(PDF_ACTION_CHAIN_MAX):
        action = _resolved(action)
        if isinstance(action, ArrayObject | str | bytes):
            return True
        if not isinstance(action, DictionaryObject) or action.get("/S") != "/GoTo":
            return False
        if "/Next" not in action:
            return True
        action = action["/Next"]
    return False


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _is_active_name(value: object) -> bool:
    return isinstance(value, str) and value in PDF_ACTIVE_VALUES


# Plain text -------------------------------------------------------------------------------


class _MarkupFound(Exception):
    """Raised by ``_MarkupFinder`` at the first markup: the rest need not be read."""


class _MarkupFinder(HTMLParser):
    """Reads text as a browser's tokenizer would, and stops at the first markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "a<b; 收入 > 支出" holds a tag "b;" with an attribute "收入" to a tokenizer; a browser
        # builds nothing from it that could act. A valid element name, or any attribute a
        # browser could act on (on…, href, style…), is markup.
        if ELEMENT_NAME.match(tag) or any(ATTRIBUTE_NAME.match(name) for name, _ in attrs):
            raise _MarkupFound
        if any(value and SCRIPT_URL.search(URL_IGNORED.sub("", value)) for _, value in attrs):
            raise _MarkupFound

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if ELEMENT_NAME.match(tag):
            raise _MarkupFound

    def handle_data(self, data: str) -> None:
        if SCRIPT_URL.search(data):
            raise _MarkupFound

    def handle_comment(self, data: str) -> None:
        raise _MarkupFound

    def handle_decl(self, decl: str) -> None:
        raise _MarkupFound

    def handle_pi(self, data: str) -> None:
        raise _MarkupFound

    def unknown_decl(self, data: str) -> None:
        raise _MarkupFound


def _screen_text(upload: UploadedFile) -> Refusal | None:
    upload.seek(0)
    text = upload.read().decode("utf-8-sig", errors="replace")
    # "<!" and "<?" open a comment, a declaration or a processing instruction: a browser makes
    # a comment of them even when nothing closes it. Refused before tokenizing, because
    # html.parser (before Python 3.13.4) searches the rest of the text for the end of each
    # unclosed one, which takes quadratic time.
    if BANG_OR_QUESTION.search(text):
        return Refusal.MARKUP
    # A tag ends at a ">": a browser drops one cut off by the end of the file, so nothing
    # after the last ">" is markup, only text (where a javascript: URL is still looked for).
    # The parser is given the text up to it, so that it never searches to the end for each
    # "<" of the tail (quadratic time too).
    # Each "<" is a token for the parser, which reads some 300,000 a second: more than any
    # letter or note holds is refused as markup rather than read for seconds.
    if text.count("<") > TEXT_OPENINGS_MAX:
        return Refusal.MARKUP
    last = text.rfind(">")
    if "<" not in text[: last + 1]:
        # No tag: text alone, with its character references read as a browser reads them.
        return Refusal.MARKUP if SCRIPT_URL.search(html.unescape(text)) else None
    if SCRIPT_URL.search(html.unescape(text[last + 1 :])):
        return Refusal.MARKUP
    finder = _MarkupFinder()
    try:
        finder.feed(text[: last + 1])
        finder.close()
    except _MarkupFound:
        return Refusal.MARKUP
    return None
