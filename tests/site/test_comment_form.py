"""The comment form: the window by the server clock, every bad input refused with a message on
its field and nothing stored, the honeypot, CSRF, attachments checked by content."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client

from consult.models import Attachment, Comment
from tests.factories import ConsultationFactory, DraftOccupationFactory
from tests.helpers import run_queued_tasks
from tests.site.conftest import minimal_docx, minimal_odt, minimal_pdf, upload

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def post_at(client, url, data, when):
    with time_machine.travel(when, tick=False):
        return client.post(url, data)


def error_summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


# The window, to the second ------------------------------------------------------------------


def test_a_comment_at_the_closing_second_is_accepted(client, consultation, comment_url, valid_data):
    response = post_at(client, comment_url, valid_data, consultation.closes_at)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert response["Location"] == f"/comments/{comment.tracking_number}/"
    assert comment.submitted_at == consultation.closes_at


def test_a_comment_one_second_after_closing_is_refused_and_the_text_kept(
    client, consultation, comment_url, valid_data
):
    data = {**valid_data, "body": "Text typed just too late", "name": "Kept Name"}
    response = post_at(client, comment_url, data, consultation.closes_at + SECOND)
    assert response.status_code == 403
    html = response.content.decode()
    assert "the consultation closed at 2026-07-17 23:59:59 (Beijing time)" in html
    assert "Text typed just too late</textarea>" in html
    assert 'value="Kept Name"' in html
    assert Comment.objects.count() == 0


def test_a_comment_at_the_opening_second_is_accepted(client, consultation, comment_url, valid_data):
    response = post_at(client, comment_url, valid_data, consultation.opens_at)
    assert response.status_code == 302
    assert Comment.objects.get().submitted_at == consultation.opens_at


def test_a_comment_one_second_before_opening_is_refused(
    client, consultation, comment_url, valid_data
):
    data = {**valid_data, "body": "Too early, but kept"}
    response = post_at(client, comment_url, data, consultation.opens_at - SECOND)
    assert response.status_code == 403
    html = response.content.decode()
    assert "comments are accepted from 2026-06-17 00:00:00 (Beijing time)" in html
    assert "Too early, but kept</textarea>" in html
    assert Comment.objects.count() == 0


def test_the_window_is_decided_by_the_clock_even_once_review_has_begun(
    client, consultation, comment_url, valid_data, publisher
):
    from consult.workflow.consultations import begin_review

    begin_review(consultation, by=publisher, now=consultation.closes_at + SECOND)
    response = post_at(client, comment_url, valid_data, consultation.closes_at + 2 * SECOND)
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_a_get_on_the_comment_url_redirects_to_the_page(client, consultation, comment_url):
    response = client.get(comment_url)
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.slug}/"


def test_a_consultation_in_drafting_takes_no_comments(client, valid_data):
    drafting = ConsultationFactory(slug="still-drafting")
    response = client.post("/consultations/still-drafting/comment/", valid_data)
    assert response.status_code == 404
    assert Comment.objects.count() == 0
    assert drafting.comments.count() == 0


def test_an_unknown_consultation_takes_no_comments(client, consultation, valid_data):
    """Also with the id of a real draft posted: the draft is read only with its own
    consultation's slug."""
    draft = consultation.drafts.first()
    assert client.get("/consultations/no-such-thing/comment/").status_code == 404
    for occupation in ["", str(draft.pk)]:
        response = client.post(
            "/consultations/no-such-thing/comment/", {**valid_data, "occupation": occupation}
        )
        assert response.status_code == 404
    assert Comment.objects.count() == 0


# Success ------------------------------------------------------------------------------------


def test_a_full_comment_is_stored_with_its_target_and_its_receipt_mailed_by_the_worker(
    client, consultation, comment_url, valid_data, during, django_capture_on_commit_callbacks
):
    draft = consultation.drafts.get(position=1)
    data = {
        **valid_data,
        "occupation": str(draft.pk),
        "field": "task",
        "task_number": "3",
        "body": "任务三应包括安全培训。",
        "proposed_text": "记录读数并报告异常。",
        "name": "张三",
        "organisation": "某研究院",
        "email": "person@example.org",
        "consent_to_publish": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(comment_url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert (comment.occupation, comment.field, comment.task_number) == (draft, "task", 3)
    assert comment.body == "任务三应包括安全培训。"
    assert comment.author_name == "张三"
    assert comment.consent_to_publish is True
    assert comment.fingerprint and comment.ip_hash and comment.ip_hash != "127.0.0.1"
    assert mail.outbox == []
    run_queued_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["person@example.org"]
    assert message.subject == f"您的意见 {comment.tracking_number} 已收到"
    assert "感谢您对“Draft list of new occupations 2026”提出意见。" in message.body
    assert f"http://testserver/comments/{comment.tracking_number}/" in message.body


def test_a_task_number_is_dropped_when_the_comment_is_not_on_a_task(
    client, consultation, comment_url, valid_data, during
):
    draft = consultation.drafts.get(position=1)
    data = {**valid_data, "occupation": str(draft.pk), "field": "definition", "task_number": "2"}
    assert client.post(comment_url, data).status_code == 302
    assert Comment.objects.get().task_number is None


def test_windows_line_ends_do_not_count_twice_against_the_limit(
    client, consultation, comment_url, valid_data, during
):
    body = "\r\n".join(["x" * 99] * 50) + "x"  # 5,049 sent, 5,000 once CRLF counts as one
    assert client.post(comment_url, {**valid_data, "body": body}).status_code == 302
    assert len(Comment.objects.get().body) == 5000


# Every bad input: a message naming the field, nothing stored -----------------------------


def other_consultations_draft():
    other = ConsultationFactory(slug="another-list", status="consultation")
    return DraftOccupationFactory(consultation=other, position=1, status="proposed")


BAD_INPUTS = {
    "empty body": ({"body": ""}, "Your comment", "Write your comment."),
    "blank body": ({"body": "   \n  "}, "Your comment", "Write your comment."),
    "body too long": (
        {"body": "长" * 5001},
        "Your comment",
        "Your comment is 5001 characters long; the limit is 5000.",
    ),
    "proposed text too long": (
        {"proposed_text": "x" * 5001},
        "Proposed wording",
        "at most 5000 characters",
    ),
    "nul in body": ({"body": "hello\x00world"}, "Your comment", "Remove the control characters"),
    "control character in body": (
        {"body": "bell\x07here"},
        "Your comment",
        "Remove the control characters",
    ),
    "control character in name": (
        {"name": "Eve\x1bvil"},
        "Name",
        "Remove the control characters",
    ),
    "line break in organisation": (
        {"organisation": "Line\nbreak"},
        "Organisation",
        "Remove the control characters",
    ),
    "bidi override in name": (
        {"name": "Li \u202eieW"},
        "Name",
        "Remove the invisible formatting characters",
    ),
    "bidi isolate in name": (
        {"name": "Li\u2067Wei\u2069"},
        "Name",
        "Remove the invisible formatting characters",
    ),
    "zero-width space in organisation": (
        {"organisation": "甲\u200b协会"},
        "Organisation",
        "Remove the invisible formatting characters",
    ),
    "byte-order mark in organisation": (
        {"organisation": "\ufeffHydrogen Association"},
        "Organisation",
        "Remove the invisible formatting characters",
    ),
    "direction mark in name": (
        {"name": "Li\u200fWei"},
        "Name",
        "Remove the invisible formatting characters",
    ),
    "bidi override in body": (
        {"body": "Approve \u202edaer ton\u202c it."},
        "Your comment",
        "reverse the direction of text",
    ),
    "bidi isolate in proposed text": (
        {"proposed_text": "\u2066Personnel\u2069 who store hydrogen."},
        "Proposed wording",
        "reverse the direction of text",
    ),
    "bad e-mail": ({"email": "not-an-address"}, "E-mail", "Enter a valid e-mail address"),
    "e-mail too long": (
        {"email": "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "org"},
        "E-mail",
        "at most 254 characters",
    ),
    "unknown occupation": (
        {"occupation": "999999"},
        "Occupation",
        "Choose an occupation from this draft list.",
    ),
    "occupation not a number": (
        {"occupation": "abc"},
        "Occupation",
        "Choose an occupation from this draft list.",
    ),
    "field that does not exist": (
        {"field": "salary"},
        "Part of the occupation",
        "Choose one of the parts listed.",
    ),
    "field without occupation": (
        {"field": "definition"},
        "Part of the occupation",
        "Choose an occupation to comment on one of its parts.",
    ),
    "name too long": ({"name": "n" * 201}, "Name", "at most 200 characters"),
}


def test_a_body_keeps_the_joiners_and_marks_its_script_needs(
    client, consultation, comment_url, valid_data, during
):
    """A comment's body is shown as a paragraph of its own: it keeps the format characters
    that cannot reorder anything outside themselves (emoji and Persian joiners, direction
    marks, a soft hyphen); only the overrides and isolates are refused."""
    body = "👩\u200d🔬 می\u200cخواهم \u200fRLM\u200e and a soft\u00adhyphen."
    response = client.post(comment_url, {**valid_data, "body": body})
    assert response.status_code == 302
    assert Comment.objects.get().body == body


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(
    client, consultation, comment_url, valid_data, during, case
):
    changes, label, message = BAD_INPUTS[case]
    response = client.post(comment_url, {**valid_data, **changes})
    assert response.status_code == 400
    summary = error_summary(response)
    assert f"{label}: " in summary
    assert message in summary
    assert Comment.objects.count() == 0


def test_a_draft_of_another_consultation_is_refused(
    client, consultation, comment_url, valid_data, during
):
    foreign = other_consultations_draft()
    response = client.post(comment_url, {**valid_data, "occupation": str(foreign.pk)})
    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in error_summary(response)
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "Give the number of the task you comment on."),
        ("4", "has 3 tasks; choose a number from 1 to 3."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("two", "Enter a whole number."),
    ],
)
def test_a_task_number_outside_the_drafts_tasks_is_refused(
    client, consultation, comment_url, valid_data, during, number, message
):
    draft = consultation.drafts.get(position=1)
    data = {**valid_data, "occupation": str(draft.pk), "field": "task", "task_number": number}
    response = client.post(comment_url, data)
    assert response.status_code == 400
    summary = error_summary(response)
    assert "Task number: " in summary
    assert message in summary
    assert Comment.objects.count() == 0


def test_a_task_comment_on_a_draft_without_tasks_is_refused(
    client, consultation, comment_url, valid_data, during
):
    from tests.site.conftest import make_draft

    draft = make_draft(consultation, 3, name="No tasks yet", tasks=[])
    data = {**valid_data, "occupation": str(draft.pk), "field": "task", "task_number": "1"}
    response = client.post(comment_url, data)
    assert response.status_code == 400
    assert "Task number: This occupation has no numbered tasks." in error_summary(response)
    assert Comment.objects.count() == 0


def test_a_refused_form_keeps_what_was_typed(client, consultation, comment_url, valid_data, during):
    data = {**valid_data, "body": "My careful text", "email": "broken@", "name": "李四"}
    response = client.post(comment_url, data)
    html = response.content.decode()
    assert "My careful text</textarea>" in html
    assert 'value="李四"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert html.count('id="id_email_error"') == 1
    assert 'href="#id_email"' in html


# Honeypot and CSRF ---------------------------------------------------------------------------


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(
    client, consultation, comment_url, valid_data, during
):
    response = client.post(comment_url, {**valid_data, "website": "http://spam.example"})
    assert response.status_code == 200
    assert "Thank you for your comment" in response.content.decode()
    assert Comment.objects.count() == 0


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, consultation, during):
    html = client.get(f"/consultations/{consultation.slug}/").content.decode()
    honeypot = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'name="website"' in honeypot
    assert 'tabindex="-1"' in honeypot


def test_a_post_without_a_csrf_token_is_refused(consultation, comment_url, valid_data, during):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = strict.post(comment_url, valid_data)
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_post_with_the_pages_csrf_token_is_accepted(
    consultation, comment_url, valid_data, during
):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(f"/consultations/{consultation.slug}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = strict.post(comment_url, {**valid_data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Comment.objects.count() == 1


# Attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("evidence.pdf", minimal_pdf(), Attachment.Kind.PDF),
        ("letter.docx", minimal_docx(), Attachment.Kind.DOCX),
        ("letter.odt", minimal_odt(), Attachment.Kind.ODT),
        ("notes.txt", "纯文本意见\n第二行\n".encode(), Attachment.Kind.TXT),
    ],
)
def test_real_files_are_accepted_and_stored_under_a_random_name(
    client, consultation, comment_url, valid_data, during, name, content, kind
):
    response = client.post(comment_url, {**valid_data, "attachments": [upload(name, content)]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == kind
    assert attachment.original_name == name
    assert attachment.size == len(content)
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert stored != name and re.fullmatch(r"[0-9a-f]{32}\.\w+", stored)
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


def test_three_files_are_accepted(client, consultation, comment_url, valid_data, during):
    files = [upload(f"file{i}.pdf", minimal_pdf()) for i in range(3)]
    assert client.post(comment_url, {**valid_data, "attachments": files}).status_code == 302
    assert Attachment.objects.count() == 3


BAD_FILES = {
    "text named .pdf": (
        [("report.pdf", b"just some text, not a PDF\n")],
        "is not a real PDF file",
    ),
    "pdf named .txt": ([("notes.txt", minimal_pdf())], "is not a real TXT file"),
    "docx named .odt": ([("letter.odt", minimal_docx())], "is not a real ODT file"),
    "odt named .docx": ([("letter.docx", minimal_odt())], "is not a real DOCX file"),
    "plain zip named .docx": (
        [("letter.docx", b"PK\x05\x06" + b"\x00" * 18)],
        "is not a real DOCX file",
    ),
    "executable named .pdf": ([("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)], "PDF"),
    "binary named .txt": ([("data.txt", b"abc\x00\x01\x02")], "is not a real TXT file"),
    "latin-1 named .txt": ([("old.txt", "café".encode("latin-1"))], "is not a real TXT file"),
    "control bytes in text": ([("ctrl.txt", b"hello\x1b[31m red")], "is not a real TXT file"),
    "png image": ([("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)], "only PDF, DOCX, ODT"),
    "no extension": ([("README", b"plain text")], "only PDF, DOCX, ODT and TXT"),
    "empty file": ([("empty.txt", b"")], "is empty"),
    "four files": (
        [(f"f{i}.pdf", minimal_pdf()) for i in range(4)],
        "“f3.pdf” was not read: attach at most 3 files.",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_are_refused_and_nothing_is_stored(
    client, consultation, comment_url, valid_data, during, case, settings
):
    files, message = BAD_FILES[case]
    data = {**valid_data, "attachments": [upload(name, content) for name, content in files]}
    response = client.post(comment_url, data)
    assert response.status_code == 400
    summary = error_summary(response)
    assert "Attachments: " in summary
    assert message in summary
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_file_over_10_mb_is_refused(client, consultation, comment_url, valid_data, during):
    big = minimal_pdf() + b"0" * (10 * 1024 * 1024)
    response = client.post(comment_url, {**valid_data, "attachments": [upload("big.pdf", big)]})
    assert response.status_code == 400
    assert "each file may be at most 10 MB" in error_summary(response)
    assert Comment.objects.count() == 0


def test_attachments_are_never_served_publicly(
    client, consultation, comment_url, valid_data, during
):
    client.post(comment_url, {**valid_data, "attachments": [upload("a.pdf", minimal_pdf())]})
    attachment = Attachment.objects.get()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    receipt = client.get(attachment.comment.get_absolute_url()).content.decode()
    assert attachment.file.name not in receipt
    assert "a.pdf" not in receipt
