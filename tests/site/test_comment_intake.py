"""Accepting a comment reads the window and the one chosen draft, then stores one row: the cost
does not grow with the draft list, and no rule is lost on the way (withdrawn drafts, drafts of
another list, tracking-number clashes outside a transaction)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult import workflow
from consult.models import (
    COMMENT_WINDOW_FIELDS,
    ONE_SECOND,
    Comment,
    Consultation,
    DraftOccupation,
)
from core.errors import InvalidTransition, StaleRead
from tests.factories import ConsultationFactory
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db


def post_counting(client, url, data) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    return response, [q["sql"] for q in queries.captured_queries]


def statements(queries: list[str]) -> list[str]:
    """The queries without the savepoints of the test's own transaction."""
    return [sql for sql in queries if not sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


def stored_receipt(response) -> Comment:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/comments/" in response["Location"]
    return Comment.objects.get(tracking_number=response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("on_a_draft", [True, False])
def test_a_stored_comment_costs_the_same_queries_however_long_the_list(
    client, consultation, comment_url, valid_data, during, on_a_draft
):
    """The window with the chosen draft (if any) in one query, and one INSERT, in autocommit:
    no transaction, no savepoint, and never the whole draft list. A second comment on the same
    choice takes the window as this process read it: the INSERT alone, which checks it."""
    counts = {}
    for size in (2, 50):
        for position in range(consultation.drafts.count() + 1, size + 1):
            make_draft(consultation, position, name=f"Draft {position}")
        draft = consultation.drafts.get(position=size)
        data = {**valid_data, "occupation": str(draft.pk) if on_a_draft else ""}
        counts[size] = []
        for _ in range(2):
            response, queries = post_counting(client, comment_url, data)
            comment = stored_receipt(response)
            assert comment.occupation_id == (draft.pk if on_a_draft else None)
            counts[size].append(queries)
    first, again = counts[50]
    if on_a_draft:
        assert [len(q) for q in counts[2] + counts[50]] == [2, 1, 2, 1], counts
        assert first[0].startswith('SELECT "consult_draftoccupation"')
        assert 'INNER JOIN "consult_consultation"' in first[0]
    else:
        # The whole list: the window read by the first comment of the run serves them all.
        assert [len(q) for q in counts[2] + counts[50]] == [2, 1, 1, 1], counts
    for insert in (first[-1], again[0]):
        assert insert.startswith('INSERT INTO "consult_comment"')
        assert 'WHERE EXISTS (SELECT 1 FROM "consult_consultation"' in insert
        assert ('EXISTS (SELECT 1 FROM "consult_draftoccupation"' in insert) == on_a_draft
    every = [sql for run in counts[2] + counts[50] for sql in run]
    assert not any(sql.startswith(("BEGIN", "SAVEPOINT", "COMMIT")) for sql in every)


def test_a_withdrawn_draft_is_refused_though_the_page_listed_it_before(
    client, consultation, comment_url, valid_data, during
):
    draft = consultation.drafts.get(position=2)
    page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    assert f'<option value="{draft.pk}">2. Low-altitude pilot</option>' in page
    DraftOccupation.objects.filter(pk=draft.pk).update(
        status=DraftOccupation.Status.WITHDRAWN, withdrawal_reason="Merged."
    )

    response = client.post(comment_url, {**valid_data, "occupation": str(draft.pk)})

    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in response.content.decode()
    assert f'<option value="{draft.pk}"' not in response.content.decode()
    assert not Comment.objects.exists()


def test_a_draft_withdrawn_before_opening_is_refused(
    client, consultation, comment_url, valid_data, during
):
    hidden = make_draft(consultation, 3, name="Never public")
    DraftOccupation.objects.filter(pk=hidden.pk).update(
        status=DraftOccupation.Status.WITHDRAWN, withdrawal_reason="Merged.", consulted_text={}
    )
    response = client.post(comment_url, {**valid_data, "occupation": str(hidden.pk)})
    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "99999999999999999999"])
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


def test_the_workflow_refuses_a_withdrawn_draft(consultation, during):
    draft = consultation.drafts.get(position=1)
    DraftOccupation.objects.filter(pk=draft.pk).update(
        status=DraftOccupation.Status.WITHDRAWN, withdrawal_reason="Merged."
    )
    draft.refresh_from_db()
    with pytest.raises(InvalidTransition, match="Choose an occupation") as exc:
        workflow.submit_comment(consultation, now=timezone.now(), body="Text.", occupation=draft)
    assert exc.value.field == "occupation"
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_tracking_number_clash_outside_a_transaction_is_settled_with_a_fresh_number(
    consultation, during, monkeypatch
):
    now = timezone.now()
    taken = workflow.submit_comment(consultation, now=now, body="First.").tracking_number
    numbers = iter([taken, taken, "7KQ4-M2XD-93TR"])
    monkeypatch.setattr(workflow, "new_tracking_number", lambda: next(numbers))

    assert not connection.in_atomic_block
    comment = workflow.submit_comment(consultation, now=now, body="Second.")

    assert comment.tracking_number == "7KQ4-M2XD-93TR"
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["First.", "Second."]


@pytest.mark.django_db(transaction=True)
def test_a_failing_insert_outside_a_transaction_stores_nothing(consultation, during):
    """Not a clash (the body breaks a constraint): the error goes up, no row is left."""
    comment = Comment(
        consultation=consultation,
        body="",
        submitted_at=timezone.now(),
        fingerprint="x",
    )
    with pytest.raises(IntegrityError):
        workflow._insert_with_tracking_number(comment, [(consultation, COMMENT_WINDOW_FIELDS)])
    assert not Comment.objects.exists()
    ConsultationFactory()  # the connection is still usable


# A comment is first decided on the window and draft as this process last read them; the INSERT
# stores it only if they still hold, and anything else is decided again on a fresh read.


def test_a_window_closed_since_this_process_read_it_open_refuses_the_comment(
    client, consultation, comment_url, valid_data, during, window
):
    stored_receipt(client.post(comment_url, valid_data))
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() - ONE_SECOND)

    response = client.post(comment_url, {**valid_data, "body": "Too late."})

    assert response.status_code == 403
    assert "the consultation closed at" in response.content.decode()
    assert list(Comment.objects.values_list("body", flat=True)) == [valid_data["body"]]


def test_a_draft_withdrawn_since_this_process_read_it_refuses_the_comment(
    client, consultation, comment_url, valid_data, during
):
    draft = consultation.drafts.get(position=2)
    data = {**valid_data, "occupation": str(draft.pk)}
    stored_receipt(client.post(comment_url, data))
    DraftOccupation.objects.filter(pk=draft.pk).update(
        status=DraftOccupation.Status.WITHDRAWN, withdrawal_reason="Merged."
    )

    response, queries = post_counting(client, comment_url, {**data, "body": "On a gone draft."})

    assert response.status_code == 400
    assert "Occupation: Choose an occupation from this draft list." in response.content.decode()
    assert Comment.objects.count() == 1
    # Decided on the recent read, refused by the INSERT's check, then decided on a fresh read.
    assert statements(queries)[0].startswith('INSERT INTO "consult_comment"')
    assert statements(queries)[1].startswith('SELECT "consult_draftoccupation"')


def test_a_window_extended_since_this_process_read_it_closed_takes_the_comment(
    client, consultation, comment_url, valid_data, window
):
    with time_machine.travel(window[1] + dt.timedelta(hours=1), tick=False):
        assert client.post(comment_url, valid_data).status_code == 403
        Consultation.objects.filter(pk=consultation.pk).update(
            closes_at=window[1] + dt.timedelta(days=7)
        )
        comment = stored_receipt(client.post(comment_url, valid_data))
    assert comment.consultation_id == consultation.pk


def test_a_window_changed_but_still_open_takes_the_comment_after_a_fresh_read(
    client, consultation, comment_url, valid_data, during, window
):
    stored_receipt(client.post(comment_url, valid_data))
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=window[1] + dt.timedelta(days=7)
    )

    response, queries = post_counting(client, comment_url, {**valid_data, "body": "Second."})

    stored_receipt(response)
    assert Comment.objects.count() == 2
    assert [sql.split(" ", 1)[0] for sql in statements(queries)] == ["INSERT", "SELECT", "INSERT"]


def test_a_consultation_that_keeps_changing_is_reported_and_nothing_is_stored(
    client, consultation, comment_url, valid_data, during, monkeypatch
):
    def stale(*args, **kwargs):
        raise StaleRead("The consultation or the occupation changed while it was being sent.")

    monkeypatch.setattr(workflow, "submit_comment", stale)
    response = client.post(comment_url, {**valid_data, "body": "Kept text."})

    assert response.status_code == 409
    html = response.content.decode()
    assert "changed while it was being sent" in html
    assert "Kept text." in html
    assert not Comment.objects.exists()


def test_the_workflow_stores_nothing_on_a_consultation_or_draft_changed_since_read(
    consultation, during, window
):
    draft = consultation.drafts.get(position=1)
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=window[1] + dt.timedelta(days=1)
    )
    with pytest.raises(StaleRead):
        workflow.submit_comment(consultation, now=timezone.now(), body="Stale window.")
    consultation.refresh_from_db()
    DraftOccupation.objects.filter(pk=draft.pk).update(status=DraftOccupation.Status.ACCEPTED)
    with pytest.raises(StaleRead):
        workflow.submit_comment(consultation, now=timezone.now(), body="Stale.", occupation=draft)
    assert not Comment.objects.exists()
    draft.refresh_from_db()
    workflow.submit_comment(consultation, now=timezone.now(), body="Fresh.", occupation=draft)
    assert list(Comment.objects.values_list("body", flat=True)) == ["Fresh."]
