"""The public form's one-time submission token: a resend of the same submission (its answer
lost when a server died after storing it) gets the stored comment's receipt, not a second
comment; anything else with the token is a comment of its own."""

from __future__ import annotations

import re

import pytest

from consult.intake import verdict
from consult.models import Comment

pytestmark = pytest.mark.django_db

TOKEN = "Aq3-dT_8xYk2mP9wZ4rL7uV1"


def _token_in(page: str) -> str:
    match = re.search(r'<input type="hidden" name="submission_token" value="([^"]+)"', page)
    assert match, "the form has no submission token"
    return match.group(1)


def test_each_rendered_form_carries_a_fresh_token(client, consultation, during):
    first = _token_in(client.get(consultation.get_absolute_url()).content.decode())
    second = _token_in(client.get(consultation.get_absolute_url()).content.decode())
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", first)


def test_the_same_post_twice_stores_one_comment_with_one_receipt(
    client, comment_url, valid_data, during
):
    data = {**valid_data, "submission_token": TOKEN}
    first = client.post(comment_url, data)
    again = client.post(comment_url, data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert "/comments/" in first["Location"]
    assert Comment.objects.count() == 1
    assert Comment.objects.get().submission_token == TOKEN


@pytest.mark.django_db(transaction=True)
def test_the_token_costs_one_query_and_a_resend_stores_nothing(
    client, comment_url, valid_data, during, django_assert_num_queries
):
    # The window (with the draft), the token's lookup, the INSERT; a resend: the first two.
    with django_assert_num_queries(3):
        client.post(comment_url, {**valid_data, "submission_token": TOKEN})
    with django_assert_num_queries(2):
        client.post(comment_url, {**valid_data, "submission_token": TOKEN})
    # Without a token (an older page, a script), as before: no lookup.
    with django_assert_num_queries(2):
        client.post(comment_url, valid_data)
    assert Comment.objects.count() == 2


def test_another_text_with_the_same_token_is_a_comment_of_its_own(
    client, comment_url, valid_data, during
):
    # The back button brings the same page (and token) back, and a second comment is written.
    client.post(comment_url, {**valid_data, "submission_token": TOKEN})
    other = client.post(
        comment_url, {**valid_data, "submission_token": TOKEN, "body": "Another point."}
    )
    assert other.status_code == 302
    assert Comment.objects.count() == 2
    assert set(Comment.objects.values_list("submission_token", flat=True)) == {TOKEN, ""}


def test_the_same_token_from_another_client_is_not_a_resend(
    client, comment_url, valid_data, during
):
    data = {**valid_data, "submission_token": TOKEN}
    client.post(comment_url, data, REMOTE_ADDR="192.0.2.10")
    client.post(comment_url, data, REMOTE_ADDR="198.51.100.20")
    assert Comment.objects.count() == 2


def test_two_resends_at_the_same_instant_store_one_comment(
    client, comment_url, valid_data, during, monkeypatch
):
    data = {**valid_data, "submission_token": TOKEN}
    first = client.post(comment_url, data)
    # The second arrives before the first is stored: its lookup finds nothing, and the
    # database's unique token refuses its row.
    monkeypatch.setattr(verdict, "_earlier_submission", lambda submission, target: None)
    second = client.post(comment_url, data)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Comment.objects.count() == 1


def test_a_refused_form_keeps_its_token(client, comment_url, valid_data, during):
    response = client.post(comment_url, {**valid_data, "submission_token": TOKEN, "body": ""})
    assert response.status_code == 400
    assert _token_in(response.content.decode()) == TOKEN


def test_a_damaged_token_is_named(client, comment_url, valid_data, during):
    response = client.post(comment_url, {**valid_data, "submission_token": "<x>"})
    assert response.status_code == 400
    assert "This form is damaged: reload the page" in response.content.decode()
    assert not Comment.objects.exists()
