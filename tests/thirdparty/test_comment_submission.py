"""Comments through the API: the public form's refusals with the form's messages, the window to
the second, idempotent retries (also two at once on PostgreSQL), moderation as usual."""

from __future__ import annotations

import datetime as dt
import html
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import translation

from consult.intake import verdict
from consult.models import Attachment, Comment
from consult.workflow.moderation import moderate_comments
from tests.factories import ConsultationFactory
from tests.site.conftest import minimal_pdf, upload
from tests.thirdparty.conftest import make_key

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)
BODY = "Please add safety training to the tasks."


def _hydrogen(consultation):
    return consultation.drafts.get(position=1)


# The same refusals through the form and the API ----------------------------------------------

REFUSALS = {
    "body missing": ({"body": ""}, None, "body", "Write your comment."),
    "body too long": (
        {"body": "x" * 5001},
        None,
        "body",
        "Your comment is 5001 characters long; the limit is 5000.",
    ),
    "control characters": (
        {"name": "Li\x00Wei"},
        None,
        "name",
        "Remove the control characters (invisible characters such as NUL) from this text.",
    ),
    "bidi override in name": (
        {"name": "Li \u202eieW"},
        None,
        "name",
        "Remove the invisible formatting characters (such as a zero-width space or a "
        "right-to-left override) from this text.",
    ),
    "zero-width space in organisation": (
        {"organisation": "甲\u200b协会"},
        None,
        "organisation",
        "Remove the invisible formatting characters (such as a zero-width space or a "
        "right-to-left override) from this text.",
    ),
    "bidi override in body": (
        {"body": "Approve \u202edaer ton\u202c it."},
        None,
        "body",
        "Remove the characters that reverse the direction of text (U+202A–U+202E, "
        "U+2066–U+2069) from this text.",
    ),
    "bad e-mail": (
        {"email": "not-an-address"},
        None,
        "email",
        "Enter a valid e-mail address, such as name@example.org.",
    ),
    "unknown part": ({"field": "salary"}, None, "field", "Choose one of the parts listed."),
    "part without occupation": (
        {"field": "definition"},
        None,
        "field",
        "Choose an occupation to comment on one of its parts.",
    ),
    "task beyond the list": (
        {"occupation": "HYDROGEN", "field": "task", "task_number": "9"},
        None,
        "task_number",
        "has 3 tasks; choose a number from 1 to 3.",
    ),
    "occupation of no such list": (
        {"occupation": "999999"},
        None,
        "occupation",
        "Choose an occupation from this draft list.",
    ),
    "fake PDF": (
        {},
        [("evidence.pdf", b"just text, not a PDF")],
        "attachments",
        "“evidence.pdf” is not a real PDF file: files are checked by their content, not their "
        "name.",
    ),
    "four files": (
        {},
        [(f"evidence{i}.pdf", minimal_pdf()) for i in range(4)],
        "attachments",
        "“evidence3.pdf” was not read: attach at most 3 files.",
    ),
}


def _form_post(client, consultation, data, files):
    payload = {**data}
    if files:
        payload["attachments"] = [upload(name, content) for name, content in files]
    response = client.post(f"/consultations/{consultation.slug}/comment/", payload)
    return response.status_code, html.unescape(response.content.decode())


def _api_post(keyed_client, consultation, data, files):
    payload = {key: value for key, value in data.items() if value != ""}
    payload.setdefault("body", data.get("body", ""))
    if files:
        payload["attachments"] = [upload(name, content) for name, content in files]
    response = keyed_client.post(f"/api/v1/consultations/{consultation.slug}/comments/", payload)
    return response.status_code, response.json()


@pytest.mark.parametrize("path", ["form", "api"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_the_api_refuses_what_the_form_refuses_with_the_same_message(
    path, case, consultation, keyed_client, client, during
):
    overrides, files, field, message = REFUSALS[case]
    data = {"body": BODY, **overrides}
    if data.get("occupation") == "HYDROGEN":
        data["occupation"] = str(_hydrogen(consultation).pk)
    if path == "form":
        status, page = _form_post(client, consultation, data, files)
        assert status == 400
        assert message in page
    else:
        status, body = _api_post(keyed_client, consultation, data, files)
        assert status == 400
        assert any(message in text for text in body[field]), body
    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("path", ["form", "api"])
@pytest.mark.parametrize(
    ("moment", "offset", "accepted", "message"),
    [
        ("opens_at", -SECOND, False, "comments are accepted from 2026-06-17 00:00:00 (Beijing"),
        ("opens_at", dt.timedelta(0), True, ""),
        ("closes_at", dt.timedelta(0), True, ""),
        ("closes_at", SECOND, False, "the consultation closed at 2026-07-17 23:59:59 (Beijing"),
    ],
)
def test_the_window_holds_to_the_second_on_both_paths(
    path, moment, offset, accepted, message, consultation, keyed_client, client
):
    with time_machine.travel(getattr(consultation, moment) + offset, tick=False):
        if path == "form":
            status, page = _form_post(client, consultation, {"body": BODY}, None)
        else:
            status, page = _api_post(keyed_client, consultation, {"body": BODY}, None)
    if accepted:
        assert status == (302 if path == "form" else 201)
        assert Comment.objects.get().submitted_at == getattr(consultation, moment)
    else:
        assert status == 403
        assert message in (page if path == "form" else page["detail"])
        assert not Comment.objects.exists()


# What the API stores ------------------------------------------------------------------------


def test_a_comment_is_stored_with_its_organisation_and_moderated_as_usual(
    consultation, keyed_client, api_comments_url, during, moderator
):
    hydrogen = _hydrogen(consultation)
    response = keyed_client.post(
        api_comments_url,
        {
            "occupation": hydrogen.pk,
            "field": "task",
            "task_number": 2,
            "body": BODY,
            "consent_to_publish": True,
            "signatures": 1250,
            "attachments": [upload("evidence.pdf", minimal_pdf())],
        },
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    comment = Comment.objects.get()
    assert answer["tracking_number"] == comment.tracking_number
    assert answer["receipt_url"] == f"http://testserver/comments/{comment.tracking_number}/"
    assert response["Location"] == answer["receipt_url"]
    assert answer["submitted_by"] == "Hydrogen Energy Association"
    assert answer["signatures"] == 1250
    assert answer["status"] == "received"
    assert response["X-RateLimit-Limit"] == "600"
    assert comment.occupation == hydrogen and comment.task_number == 2
    assert comment.attachments.count() == 1
    assert comment.signatures == 1250
    # Not public until a moderator publishes it.
    listed = Client().get(api_comments_url).json()
    assert listed["count"] == 0
    moderate_comments([comment], by=moderator, action="publish")
    listed = Client().get(api_comments_url).json()
    assert listed["results"][0]["submitted_by"] == "Hydrogen Energy Association"
    assert listed["results"][0]["signatures"] == 1250


def test_json_is_taken_too_and_signatures_default_to_one(
    consultation, keyed_client, api_comments_url, during
):
    response = keyed_client.post(
        api_comments_url,
        {"body": BODY, "consent_to_publish": False, "occupation": None},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Comment.objects.get().signatures == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": BODY, "text": "x"}, "text", "Unknown field"),
        ({"body": BODY, "website": "x"}, "website", "Unknown field"),
        ({"body": ["a", "b"]}, "body", "Give a single value"),
        ({"body": BODY, "attachments": "x"}, "attachments", "multipart/form-data"),
        ({"body": BODY, "signatures": 0}, "signatures", "greater than or equal to 1"),
        ({"body": BODY, "signatures": "many"}, "signatures", "Enter a whole number"),
    ],
)
def test_odd_json_is_refused_by_field(
    payload, field, message, consultation, keyed_client, api_comments_url, during
):
    response = keyed_client.post(api_comments_url, payload, content_type="application/json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Comment.objects.exists()


def test_malformed_json_is_a_400_in_the_documented_shape(
    consultation, keyed_client, api_comments_url, during
):
    """The schema documents a 400 as messages by field: a body that does not parse is
    answered the same way, under non_field_errors."""
    response = keyed_client.post(api_comments_url, "{", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["non_field_errors"]
    assert all(isinstance(message, str) for message in body["non_field_errors"])
    assert "JSON parse error" in body["non_field_errors"][0]
    assert not Comment.objects.exists()


@pytest.mark.parametrize("attachments", [[], None])
def test_json_with_no_attachments_is_taken(
    consultation, keyed_client, api_comments_url, during, attachments
):
    response = keyed_client.post(
        api_comments_url,
        {"body": BODY, "attachments": attachments},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Comment.objects.get().attachments.count() == 0


def test_the_json_body_is_documented_without_files():
    from tests.api.test_api_schema import SCHEMA

    operation = SCHEMA["paths"]["/api/v1/consultations/{consultation_slug}/comments/"]["post"]
    content = operation["requestBody"]["content"]
    json_ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    form_ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "attachments" not in SCHEMA["components"]["schemas"][json_ref]["properties"]
    assert "attachments" in SCHEMA["components"]["schemas"][form_ref]["properties"]


def test_without_a_key_or_without_the_comment_scope_nothing_is_stored(
    consultation, api_comments_url, during
):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").post(api_comments_url, {"body": BODY})
    _key, token = make_key(scopes=["read"])
    read_only = Client(HTTP_X_API_KEY=token).post(api_comments_url, {"body": BODY})
    assert anonymous.status_code == 401
    assert read_only.status_code == 403
    assert "comment" in read_only.json()["detail"]
    assert not Comment.objects.exists()


def test_an_unknown_consultation_is_a_404(keyed_client, db):
    response = keyed_client.post("/api/v1/consultations/nope/comments/", {"body": BODY})
    assert response.status_code == 404


def test_the_comment_limit_of_a_key_answers_429(
    settings, consultation, keyed_client, api_comments_url, during
):
    settings.API_KEY_COMMENT_RATE = "2/h"
    statuses = [
        keyed_client.post(api_comments_url, {"body": f"{BODY} {i}"}).status_code for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert Comment.objects.count() == 2


# Idempotency --------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_returns_the_first_comment(
    consultation, keyed_client, api_comments_url, during
):
    def send():
        return keyed_client.post(
            api_comments_url,
            {"body": BODY, "attachments": [upload("evidence.pdf", minimal_pdf())]},
            HTTP_IDEMPOTENCY_KEY="4f1c7a52-retry",
        )

    first, second = send(), send()
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Comment.objects.count() == 1
    assert Attachment.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_409(
    consultation, keyed_client, api_comments_url, during
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "4f1c7a52-conflict"}
    assert keyed_client.post(api_comments_url, {"body": BODY}, **headers).status_code == 201
    other = keyed_client.post(api_comments_url, {"body": BODY + " More."}, **headers)
    assert other.status_code == 409
    assert "already used for a different request" in other.json()["Idempotency-Key"][0]
    assert Comment.objects.count() == 1


def test_the_same_idempotency_key_and_body_on_another_consultation_is_a_409(
    consultation, keyed_client, api_comments_url, during
):
    other = ConsultationFactory(
        slug="another-list",
        status=consultation.status,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
    )
    headers = {"HTTP_IDEMPOTENCY_KEY": "4f1c7a52-elsewhere"}
    assert keyed_client.post(api_comments_url, {"body": BODY}, **headers).status_code == 201
    elsewhere = keyed_client.post(
        f"/api/v1/consultations/{other.slug}/comments/", {"body": BODY}, **headers
    )
    assert elsewhere.status_code == 409
    assert "already used for a different request" in elsewhere.json()["Idempotency-Key"][0]
    assert list(Comment.objects.values_list("consultation__slug", flat=True)) == [consultation.slug]


def test_another_key_may_use_the_same_idempotency_key(
    consultation, keyed_client, api_comments_url, during
):
    _key, token = make_key(owner="Chamber of Commerce")
    other = Client(HTTP_X_API_KEY=token)
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared"}
    assert keyed_client.post(api_comments_url, {"body": BODY}, **headers).status_code == 201
    assert other.post(api_comments_url, {"body": BODY}, **headers).status_code == 201
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("value", ["", "a b", "x" * 256, "é"])
def test_a_malformed_idempotency_key_is_a_400(
    value, consultation, keyed_client, api_comments_url, during
):
    response = keyed_client.post(api_comments_url, {"body": BODY}, HTTP_IDEMPOTENCY_KEY=value)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Comment.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_idempotency_key_store_one_comment(
    consultation, comment_key, api_comments_url, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race needs PostgreSQL.")
    barrier = threading.Barrier(2)
    read_target = verdict.read_target

    def both_past_the_lookup(*args, **kwargs):
        # Both requests have found no earlier comment before either stores one.
        barrier.wait(timeout=10)
        return read_target(*args, **kwargs)

    monkeypatch.setattr(verdict, "read_target", both_past_the_lookup)
    answers: list = []

    def send():
        try:
            with translation.override("en"):
                response = Client(HTTP_X_API_KEY=comment_key[1]).post(
                    api_comments_url, {"body": BODY}, HTTP_IDEMPOTENCY_KEY="same-instant"
                )
                answers.append((response.status_code, response.json()))
        except Exception as exc:
            answers.append(exc)
        finally:
            connection.close()

    moment = consultation.opens_at + dt.timedelta(days=1)
    with time_machine.travel(moment, tick=False):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1]["tracking_number"] == answers[1][1]["tracking_number"]
    assert Comment.objects.count() == 1


def test_the_organisation_and_its_signatures_show_on_the_page_and_count_in_the_report(
    consultation, keyed_client, api_comments_url, during, moderator, client
):
    from consult.reporting.report import build_response_report

    keyed_client.post(
        api_comments_url, {"body": BODY, "signatures": 1250, "consent_to_publish": "on"}
    )
    client.post(
        f"/consultations/{consultation.slug}/comment/",
        {"body": "A person's own comment.", "consent_to_publish": "on"},
    )
    moderate_comments(Comment.objects.all(), by=moderator, action="publish")

    page = html.unescape(client.get(consultation.get_absolute_url()).content.decode())
    assert "sent by Hydrogen Energy Association for 1250 people" in page
    assert page.count("sent by") == 1
    report = build_response_report(consultation, public=True)
    assert report.comments == 2
    assert report.people == 1251
    quoted = [text for part in report.whole_list.fields for text in part.texts]
    assert {(t.submitted_by, t.signatures) for t in quoted} == {
        ("Hydrogen Energy Association", 1250),
        ("", None),
    }
