"""The response report as a PDF: built by a worker for the report's current version, served
from the stored file, with the Chinese text in embedded CJK fonts."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from consult.workflow.moderation import moderate_comments
from tests.factories import CommentFactory, UserFactory
from tests.helpers import run_queued_tasks
from tests.site.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add(str(font["/BaseFont"]))
    return names


def fetch_pdf(client: Client, url: str, capture) -> bytes:
    with capture(execute=True):
        pending = client.get(url)
    assert pending.status_code == 202
    assert pending["Retry-After"] == "10"
    run_queued_tasks()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_the_report_pdf_has_the_chinese_text_in_embedded_cjk_fonts(
    world, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = f"/consultations/{world.closed.slug}/report.pdf"
    reader = PdfReader(io.BytesIO(fetch_pdf(client, url, django_capture_on_commit_callbacks)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "意见采纳情况报告" in text
    assert "建议在任务 2 中写明报告的频率。" in text
    assert "任务 2 已写明按月报告。" in text
    assert "碳排放管理员" in text
    assert any("NotoSansCJK" in name.replace("-", "") for name in fonts_of(reader)), fonts_of(
        reader
    )
    # The e-mail address of the comment is never in it.
    assert world.comment.email == "" or world.comment.email not in text


def test_each_language_has_its_own_pdf(world, django_capture_on_commit_callbacks):
    url = f"/consultations/{world.closed.slug}/report.pdf"
    english = fetch_pdf(Client(HTTP_ACCEPT_LANGUAGE="en"), url, django_capture_on_commit_callbacks)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(english)).pages)
    assert "Response report" in text and "建议在任务 2 中写明报告的频率。" in text


def test_a_change_to_the_report_makes_a_new_pdf_and_drops_the_old(
    world, settings, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/consultations/{world.closed.slug}/report.pdf"
    fetch_pdf(client, url, django_capture_on_commit_callbacks)
    folder = settings.MEDIA_ROOT / "reports" / world.closed.slug
    first = sorted(p.name for p in folder.iterdir())

    late = CommentFactory(consultation=world.closed, body="迟到但已公开的意见。")
    moderator = UserFactory(username="pdf-moderator", roles=["Moderators"])
    moderate_comments([late], by=moderator, action="publish")
    pdf = fetch_pdf(client, url, django_capture_on_commit_callbacks)
    assert "迟到但已公开的意见。" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages
    )
    second = sorted(p.name for p in folder.iterdir())
    assert len(first) == len(second) == 1 and first != second


def test_requests_while_it_is_built_queue_one_build(world, django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/consultations/{world.closed.slug}/report.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.get(url).status_code == 202
    assert DBTaskResult.objects.count() == 1


def test_no_pdf_before_the_report_is_public(world):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/consultations/{world.open.slug}/report.pdf")
    assert response.status_code == 404
    assert DBTaskResult.objects.count() == 0


def test_the_pdf_of_an_unknown_consultation_is_not_found(db):
    assert Client().get("/consultations/nope/report.pdf").status_code == 404
