"""The public site in headless Chromium: the comment form end to end, a window that closes
while the person types, the language switcher, and screenshots for people to look at."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from consult.models import Comment, Consultation
from tests.factories import ConsultationFactory
from tests.site.conftest import make_draft, minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_consultation():
    now = timezone.now()
    consultation = ConsultationFactory(
        slug="draft-list-2026",
        title="Draft list of new occupations 2026",
        summary="The ministry invites comments on twelve proposed occupations.",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=20, hours=5),
    )
    make_draft(
        consultation,
        1,
        name="Water electrolysis hydrogen production operator",
        definition="Personnel who operate water electrolysis equipment to produce hydrogen.",
        tasks=["Operate electrolysers.", "Inspect equipment.", "Record readings."],
        job_types=["Electrolyser operator"],
        green=True,
    )
    make_draft(
        consultation,
        2,
        name="Digital twin engineering technician",
        definition="Engineers who build and maintain virtual replicas of physical systems.",
        tasks=["Model systems.", "Validate models."],
        digital=True,
    )
    return consultation


def test_a_person_comments_with_a_file_and_gets_a_receipt(
    live_server, page_for, artifacts, open_consultation
):
    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    assert page.get_by_role("heading", name="Comment on the draft list").is_visible()
    page.screenshot(path=str(artifacts / "consultation-page-en.png"), full_page=True)
    honeypot = page.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # out of sight

    page.get_by_label("Occupation", exact=True).select_option(
        label="1. Water electrolysis hydrogen production operator"
    )
    page.get_by_label("Part of the occupation").select_option(value="task")
    page.get_by_label("Task number").fill("2")
    page.get_by_label("Your comment").fill("Inspection should include leak detection.")
    page.get_by_label("Proposed wording").fill("Inspect equipment and detect leaks.")
    page.get_by_label("Name", exact=True).fill("Test Person")
    page.get_by_label("E-mail", exact=True).fill("person@example.org")
    page.get_by_label("My comment may be published").check()
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "evidence.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}],
    )
    page.get_by_role("button", name="Send comment").click()

    page.wait_for_url(re.compile(r"/comments/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/$"))
    comment = Comment.objects.get()
    assert comment.tracking_number in page.url
    assert page.get_by_role("heading", name="Your comment was received").is_visible()
    body = page.locator("main").inner_text()
    assert "Inspection should include leak detection." in body
    assert "task 2" in body
    assert "1 file (seen by staff only)" in body
    assert "Test Person" not in body and "person@example.org" not in body
    assert comment.attachments.count() == 1
    page.screenshot(path=str(artifacts / "comment-receipt-en.png"), full_page=True)


def test_errors_are_summarised_and_linked_to_their_fields(
    live_server, page_for, artifacts, open_consultation
):
    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    page.get_by_label("E-mail", exact=True).fill("not-an-address")
    page.get_by_role("button", name="Send comment").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "Your comment: Write your comment." in summary.inner_text()
    assert "E-mail: Enter a valid e-mail address" in summary.inner_text()
    assert page.locator("#id_email").input_value() == "not-an-address"
    page.screenshot(path=str(artifacts / "comment-errors-en.png"), full_page=True)
    summary.get_by_role("link", name=re.compile("Your comment")).click()
    assert page.evaluate("document.activeElement.id") == "id_body"
    assert Comment.objects.count() == 0


def test_the_form_is_usable_with_the_keyboard_alone(live_server, page_for, open_consultation):
    """Tab walks through every field to the button, never into the honeypot."""
    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    page.locator("#id_occupation").focus()
    visited = []
    for _ in range(15):
        visited.append(page.evaluate("document.activeElement.id || document.activeElement.type"))
        if visited[-1] == "submit":
            break
        page.keyboard.press("Tab")
    assert visited[-1] == "submit"
    assert "id_website" not in visited
    for field in ("id_body", "id_attachments", "id_email", "id_consent_to_publish"):
        assert field in visited
    page.locator("#id_body").fill("Typed with the keyboard.")
    page.get_by_role("button", name="Send comment").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/comments/"))
    assert Comment.objects.get().body == "Typed with the keyboard."


def test_a_window_that_closes_while_typing_keeps_the_text(
    live_server, page_for, artifacts, open_consultation
):
    Consultation.objects.filter(pk=open_consultation.pk).update(
        closes_at=timezone.now() + dt.timedelta(seconds=30)
    )
    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    page.get_by_label("Your comment").fill("A long and careful comment, typed too slowly.")
    page.get_by_label("Organisation").fill("Careful Institute")
    # The window closes while the person is still typing.
    Consultation.objects.filter(pk=open_consultation.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1)
    )
    page.get_by_role("button", name="Send comment").click()
    alert = page.locator("#refusal")
    assert alert.is_visible()
    assert "Your comment was not sent: the consultation closed at" in alert.inner_text()
    assert page.locator("#id_body").input_value() == "A long and careful comment, typed too slowly."
    assert page.locator("#id_organisation").input_value() == "Careful Institute"
    assert page.get_by_role("button", name="Send comment").count() == 0
    page.screenshot(path=str(artifacts / "comment-window-closed-en.png"), full_page=True)
    assert Comment.objects.count() == 0


def test_the_language_switcher_changes_the_page_language(
    live_server, page_for, artifacts, open_consultation
):
    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/consultations/{open_consultation.slug}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="对征求意见稿发表意见").is_visible()
    page.screenshot(path=str(artifacts / "consultation-page-zh.png"), full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_chinese_browser_gets_chinese_pages_and_a_chinese_receipt(
    live_server, page_for, artifacts, open_consultation
):
    page = page_for("zh-CN")
    page.goto(f"{live_server.url}/consultations/{open_consultation.slug}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_label("您的意见").fill("建议在任务中加入安全培训。")
    page.get_by_role("button", name="提交意见").click()
    page.wait_for_url(re.compile(r"/comments/"))
    assert "建议在任务中加入安全培训。" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "comment-receipt-zh.png"), full_page=True)


def test_a_tour_of_the_published_pages(live_server, page_for, artifacts, superuser):
    """The report, the catalogue, an occupation with its changes since consultation and a batch,
    as a reader sees them (screenshots kept in test-artifacts/)."""
    from consult.workflow.consultations import begin_review
    from consult.workflow.drafts import accept_draft, revise_draft
    from consult.workflow.publication import publish_consultation
    from occupations.workflow import attach_skill_standard
    from tests.factories import CommentFactory

    # A superuser: transactional tests flush the role groups created by migrations.

    now = timezone.now()
    consultation = ConsultationFactory(
        slug="list-2025",
        title="Draft list of new occupations 2025",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=40),
        closes_at=now - dt.timedelta(days=10),
    )
    draft = make_draft(
        consultation,
        1,
        name="Hydrogen production operator",
        definition="Workers who produce hydrogen.",
        tasks=["Operate electrolysers.", "Record readings."],
        green=True,
    )
    CommentFactory(
        consultation=consultation,
        occupation=draft,
        field="task",
        task_number=2,
        body="Readings should be reported, not only recorded.",
        author_name="A reader",
        status="published",
        disposition="adopted",
        reply="Task 2 now says “record and report readings”.",
    )
    for _ in range(3):
        CommentFactory(
            consultation=consultation, body="Please add this occupation.", status="published"
        )
    begin_review(consultation, by=superuser, now=now)
    revise_draft(
        draft,
        by=superuser,
        changes={
            "proposed_code": "6-28-01-17",
            "definition": "Workers who produce green hydrogen by water electrolysis.",
            "tasks": ["Operate electrolysers.", "Record and report readings."],
        },
    )
    accept_draft(draft, by=superuser)
    batch = publish_consultation(
        consultation,
        by=superuser,
        now=now,
        slug="batch-2025",
        title="New occupations 2025",
        announced_on=dt.date(2025, 9, 1),
        announced_precision="month",
    )
    occupation = batch.occupations.get()
    attach_skill_standard(
        occupation, by=superuser, title="National standard for hydrogen production", kind="skill"
    )

    page = page_for("en")
    page.goto(f"{live_server.url}/consultations/list-2025/report/")
    assert page.get_by_role("heading", name=re.compile("Response report")).first.is_visible()
    assert "Task 2 now says" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "report-en.png"), full_page=True)

    page.goto(f"{live_server.url}/occupations/{occupation.pk}/")
    assert page.locator("ins", has_text="green ").first.is_visible()
    page.screenshot(path=str(artifacts / "occupation-en.png"), full_page=True)

    page.goto(f"{live_server.url}/occupations/?q=hydrogen&has_standard=on")
    assert page.get_by_role("link", name="Hydrogen production operator").is_visible()
    page.screenshot(path=str(artifacts / "catalogue-en.png"), full_page=True)

    page.goto(f"{live_server.url}/batches/batch-2025/")
    assert "September 2025" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "batch-en.png"), full_page=True)

    page = page_for("zh-CN")
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="最新发布的批次").is_visible()
    page.screenshot(path=str(artifacts / "home-zh.png"), full_page=True)
