"""Taking a comment reads the window (with the one chosen draft) and stores one row: the cost
does not grow with the draft list, and no rule is lost on the way (withdrawn drafts, drafts of
another list, ids that name nothing, tracking-number clashes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consult.intake import store
from consult.models import Comment, Consultation
from consult.workflow.consultations import open_consultation
from consult.workflow.drafts import withdraw_draft
from core.errors import InvalidTransition
from tests.factories import ConsultationFactory, DraftOccupationFactory
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db


def stored_receipt(response) -> Comment:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/comments/" in response["Location"]
    return Comment.objects.get(tracking_number=response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("on_a_draft", [True, False])
def test_a_comment_costs_two_queries_however_long_the_list(
    client, consultation, comment_url, valid_data, during, on_a_draft, django_assert_num_queries
):
    """The window with the chosen draft (if any) in one query, then one INSERT; never the whole
    draft list, nothing done for its campaign in the request (the worker assigns it later),
    and nothing kept from one request to the next."""
    for size in (2, 50):
        for position in range(consultation.drafts.count() + 1, size + 1):
            make_draft(consultation, position, name=f"Draft {position}")
        draft = consultation.drafts.get(position=size)
        data = {**valid_data, "occupation": str(draft.pk) if on_a_draft else ""}
        for _ in range(2):
            with django_assert_num_queries(2):
                response = client.post(comment_url, data)
            comment = stored_receipt(response)
            assert comment.occupation_id == (draft.pk if on_a_draft else None)
    assert Comment.objects.count() == 4
    assert not DBTaskResult.objects.exists()
    assert not Comment.objects.filter(cluster__isnull=False).exists()


def test_a_draft_withdrawn_before_opening_is_refused(
    client, valid_data, editor, publisher, window, during
):
    consultation = ConsultationFactory(opens_at=window[0], closes_at=window[1])
    comment_url = f"/consultations/{consultation.slug}/comment/"
    kept = DraftOccupationFactory(consultation=consultation, name="Kept")
    hidden = DraftOccupationFactory(consultation=consultation, name="Never public")
    withdraw_draft(hidden, by=editor, reason="Merged into another draft.")
    open_consultation(consultation, by=publisher, now=window[0] - dt.timedelta(days=1))

    refused = client.post(comment_url, {**valid_data, "occupation": str(hidden.pk)})
    taken = client.post(comment_url, {**valid_data, "occupation": str(kept.pk)})

    assert refused.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in refused.content.decode()
    assert f'<option value="{hidden.pk}"' not in refused.content.decode()
    assert stored_receipt(taken).occupation_id == kept.pk
    assert Comment.objects.count() == 1


def test_a_draft_of_another_consultation_is_refused(
    client, consultation, comment_url, valid_data, during
):
    other = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    stranger = make_draft(other, 1, name="Elsewhere")
    response = client.post(comment_url, {**valid_data, "occupation": str(stranger.pk)})
    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "99999999999999999999", "１"])
def test_an_occupation_that_is_no_draft_id_is_refused(
    client, consultation, comment_url, valid_data, during, value
):
    response = client.post(comment_url, {**valid_data, "occupation": value})
    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_refused_comment_shows_the_list_again_with_the_choice_kept(
    client, consultation, comment_url, valid_data, during
):
    first, second = consultation.drafts.in_order()
    data = {**valid_data, "occupation": str(second.pk), "email": "broken@"}
    response = client.post(comment_url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<option value="{first.pk}">1. Hydrogen producer</option>' in html
    assert f'<option value="{second.pk}" selected>2. Low-altitude pilot</option>' in html
    assert "Draft list of new occupations 2026" in html


def test_a_target_whose_draft_is_of_another_consultation_is_refused(consultation, during):
    stranger = make_draft(ConsultationFactory(), 1, name="Elsewhere")
    with pytest.raises(InvalidTransition, match="not in this consultation") as exc:
        store.submit_comment(store.Target(consultation, stranger), now=timezone.now(), body="Text.")
    assert exc.value.field == "occupation"
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_a_transaction", [False, True])
def test_a_tracking_number_clash_is_settled_with_a_fresh_number(
    consultation, during, monkeypatch, in_a_transaction
):
    target = store.Target(consultation)
    taken = store.submit_comment(target, now=timezone.now(), body="First.").tracking_number
    numbers = iter([taken, taken, "7KQ4-M2XD-93TR"])
    monkeypatch.setattr(store, "new_tracking_number", lambda: next(numbers))

    if in_a_transaction:
        with transaction.atomic():
            comment = store.submit_comment(target, now=timezone.now(), body="Second.")
    else:
        assert not connection.in_atomic_block
        comment = store.submit_comment(target, now=timezone.now(), body="Second.")

    assert comment.tracking_number == "7KQ4-M2XD-93TR"
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["First.", "Second."]


@pytest.mark.django_db(transaction=True)
def test_a_failing_insert_stores_nothing_and_leaves_the_connection_usable(consultation, during):
    """Not a clash (the body breaks a constraint): the error goes up, no row is left."""
    with pytest.raises(IntegrityError):
        store.submit_comment(store.Target(consultation), now=timezone.now(), body="")
    assert not Comment.objects.exists()
    ConsultationFactory()
