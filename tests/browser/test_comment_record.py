"""The comment record in headless Chromium, in English and in Chinese: a comment sent through
the form, its receipt showing the inclusion proof once the window has closed (the downloaded
JSON checked with a verifier written from the documented encoding), and "this wasn't me"
through the private link of its receipt mail, after which the comment is gone from the
consultation's page and counted."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from consult import commitment
from consult.models import Comment, Consultation, OutgoingMail
from tests.factories import ConsultationFactory
from tests.record import independent
from tests.site.conftest import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "locale": "en",
        "comment": "Your comment",
        "email": "E-mail",
        "submit": "Send comment",
        "included": "Included in the record of this consultation",
        "download": "Download the proof (JSON)",
        "dispute": "This wasn't me",
        "done": "Done: the comment is marked as not sent by you.",
        "withdrawn": "Withdrawn as misattributed",
        "check": "Check what the record holds of your comment",
    },
    "zh": {
        "locale": "zh-CN",
        "comment": "您的意见",
        "email": "电子邮箱",
        "submit": "提交意见",
        "included": "已包含在本次征求意见的记录中",
        "download": "下载证明（JSON）",
        "dispute": "不是我发的",
        "done": "已完成：该意见已标记为并非您发送。",
        "withdrawn": "因冒名而撤回",
        "check": "核对记录中您的意见",
    },
}


@pytest.fixture
def open_consultation():
    now = timezone.now()
    consultation = ConsultationFactory(
        slug="record-in-browser",
        title="Draft list with a record",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
    )
    make_draft(consultation, 1, name="Hydrogen producer")
    return consultation


def close_and_commit(consultation: Consultation) -> None:
    """The window closed some minutes ago, and the worker computed the record."""
    now = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(minutes=5)
    )
    assert commitment.commit_due(now=now) == [consultation.slug]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_receipt_proves_the_comment_and_the_owner_disputes_it(
    live_server, page_for, artifacts, open_consultation, language, tmp_path
):
    text = TEXT[language]
    body = f"Leak detection belongs in the inspection task ({language})."
    page = page_for(text["locale"])
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    page.get_by_label(text["comment"]).fill(body)
    page.get_by_label(text["email"], exact=True).fill(f"owner-{language}@example.org")
    page.locator("#id_consent_to_publish").check()
    page.get_by_role("button", name=text["submit"]).click()
    page.wait_for_url(re.compile(r"/comments/[0-9A-Z-]+/$"))
    receipt_url = page.url
    comment = Comment.objects.get(body=body)
    Comment.objects.filter(pk=comment.pk).update(status="published")

    close_and_commit(open_consultation)
    page.goto(receipt_url)
    proof_section = page.locator("#proof")
    assert text["included"] in proof_section.inner_text()
    page.screenshot(path=str(artifacts / f"receipt-proof-{language}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=text["download"]).click()
    saved = tmp_path / "proof.json"
    download.value.save_as(saved)
    proof = json.loads(saved.read_text(encoding="utf-8"))
    assert proof["tracking_number"] == comment.tracking_number
    assert independent.verify(proof)

    page.goto(f"{live_server.url}{open_consultation.get_absolute_url()}")
    assert proof["root"] == page.locator(".record-root").inner_text()
    assert body in page.locator("main").inner_text()
    mail = OutgoingMail.objects.get(kind=OutgoingMail.Kind.RECEIPT, recipient=comment.email)
    link = re.search(r"http://\S+/comments/private/\S+/", mail.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    # The sender's page gives the salted document that hashes to the proof's content hash;
    # the salt (also in the receipt mail) is nowhere in the public proof.
    assert text["check"] in page.locator(".sent-record h2").inner_text()
    sent = json.loads(page.locator(".sent-json").inner_text())
    assert sent["email"] == comment.email and sent["salt"] in mail.body
    assert independent.content_sha256(sent) == proof["content_sha256"]
    assert sent["salt"] not in saved.read_text(encoding="utf-8")
    page.get_by_role("button", name=text["dispute"]).click()
    assert text["done"] in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / f"this-was-not-me-{language}.png"), full_page=True)

    page.goto(f"{live_server.url}{open_consultation.get_absolute_url()}")
    main = page.locator("main").inner_text()
    assert body not in main
    record = page.locator("#comment-record")
    assert text["withdrawn"] in record.inner_text()
    assert record.locator(".record-misattributed").inner_text().startswith("1")
    assert Comment.objects.get(pk=comment.pk).withdrawal == "misattributed"
