"""Fixtures for the public site: an open consultation with two drafts, a poster of comments,
and real minimal files of every accepted kind."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from consult.models import Consultation, DraftOccupation
from tests.factories import ConsultationFactory, DraftOccupationFactory


def make_draft(consultation, position, **kwargs):
    draft = DraftOccupationFactory.build(
        consultation=consultation,
        position=position,
        status=DraftOccupation.Status.PROPOSED,
        **kwargs,
    )
    draft.consulted_text = draft.text()
    draft.save()
    return draft


@pytest.fixture
def consultation(db, window):
    """In public consultation, window 17 June – 17 July 2026 (Beijing time), two drafts."""
    consultation = ConsultationFactory(
        slug="draft-list-2026",
        title="Draft list of new occupations 2026",
        status=Consultation.Status.CONSULTATION,
        opens_at=window[0],
        closes_at=window[1],
    )
    make_draft(
        consultation,
        1,
        name="Hydrogen producer",
        tasks=["Operate electrolysers.", "Inspect equipment.", "Record readings."],
        green=True,
    )
    make_draft(consultation, 2, name="Low-altitude pilot", digital=True)
    return consultation


@pytest.fixture
def during(window):
    """Midway through the window."""
    with time_machine.travel(window[0] + (window[1] - window[0]) / 2, tick=False) as traveller:
        yield traveller


def minimal_pdf() -> bytes:
    """A small but well-formed one-page PDF, cross-reference offsets computed."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
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


def minimal_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
        )
    return out.getvalue()


ODT_CONTENT = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
)


def minimal_odt(content: str = ODT_CONTENT) -> bytes:
    """An ODT file whose ``content.xml`` is ``content``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:'
            '1.0"/>',
        )
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def comment_url(consultation):
    return f"/consultations/{consultation.slug}/comment/"


@pytest.fixture
def valid_data():
    return {
        "occupation": "",
        "field": "",
        "task_number": "",
        "body": "Please add safety training to the tasks.",
        "proposed_text": "",
        "name": "",
        "organisation": "",
        "email": "",
        "website": "",
    }


@pytest.fixture
def client():
    """A client whose browser prefers English (the site's default language is Chinese)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Staff fixtures hash a password; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def said_and_done(*, editor, moderator, publisher, window, publish: bool = True):
    """A consultation taken through the workflow to its published batch: comments of every
    kind (organisations, a campaign, spam), two adopted comments linked to the revision that
    answers them, one occupation published. Returns ``(consultation, first draft)``."""
    import datetime as dt

    import time_machine

    from consult.models import Comment
    from consult.workflow.consultations import begin_review, open_consultation
    from consult.workflow.drafts import accept_draft, revise_draft
    from consult.workflow.moderation import (
        link_answering_revision,
        moderate_comments,
        set_disposition,
    )
    from consult.workflow.publication import publish_consultation
    from tests.factories import CommentFactory, DraftOccupationFactory, GroupFactory

    opening = window[0] - dt.timedelta(days=1)
    # History rows are dated by the clock: the drafts are written and frozen before the window.
    with time_machine.travel(opening, tick=False):
        consultation = ConsultationFactory(
            slug="said-and-done",
            title="Draft list of new occupations 2026",
            opens_at=window[0],
            closes_at=window[1],
        )
        group = GroupFactory()
        first = DraftOccupationFactory(
            consultation=consultation,
            position=1,
            name="Hydrogen producer",
            proposed_code="6-28-01-17",
            definition="Personnel who produce hydrogen.",
            group=group,
        )
        second = DraftOccupationFactory(
            consultation=consultation,
            position=2,
            name="Low-altitude pilot",
            proposed_code="6-28-01-18",
            group=group,
        )
        open_consultation(consultation, by=publisher, now=opening)
    day = dt.timedelta(days=1)

    def comment(days: int, **kwargs) -> Comment:
        kwargs.setdefault("status", "published")
        return CommentFactory(
            consultation=consultation,
            submitted_at=window[0] + days * day + 2 * 3600 * dt.timedelta(seconds=1),
            **kwargs,
        )

    safety = comment(
        1, occupation=first, field="definition", body="Mention safety.", author_name="Ms Reporter"
    )
    renamed = comment(
        2,
        occupation=first,
        field="name",
        body="Call it hydrogen technician.",
        organisation="Hydrogen Association",
    )
    for n in range(3):
        comment(3, body="We support the whole list.", organisation="" if n else "Chamber")
    comment(3, occupation=first, field="task", task_number=1, body="Task one is vague.")
    spam = comment(4, body="Cheap watches")
    moderate_comments([spam], by=moderator, action="mark_spam")
    with time_machine.travel(window[1] + day, tick=False):
        begin_review(consultation, by=publisher, now=window[1] + day)
        set_disposition(
            [safety, renamed], by=moderator, disposition="adopted", reply="Done.", now=window[1]
        )
        revise_draft(
            first,
            by=editor,
            changes={
                "definition": "Personnel who produce hydrogen safely.",
                "name": "Hydrogen technician",
            },
        )
    revision = first.history.latest("history_date", "history_id").history_id
    for adopted in (safety, renamed):
        link_answering_revision(adopted, by=moderator, revision_id=revision, now=None)
    if publish:
        accept_draft(first, by=editor)
        accept_draft(second, by=editor)
        publish_consultation(
            consultation,
            by=publisher,
            now=window[1] + 2 * day,
            slug="batch-2026",
            title="New occupations 2026",
            announced_on=dt.date(2026, 9, 1),
            announced_precision="month",
        )
    consultation.refresh_from_db()
    first.refresh_from_db()
    return consultation, first
