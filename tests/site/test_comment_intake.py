"""Accepting a comment reads the window and the one chosen draft, then stores one row: the cost
does not grow with the draft list, and no rule is lost on the way (withdrawn drafts, drafts of
another list, tracking-number clashes outside a transaction)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult import workflow
from consult.models import Comment, DraftOccupation
from occupations.errors import InvalidTransition
from tests.factories import ConsultationFactory
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db


def post_counting(client, url, data) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    return response, [q["sql"] for q in queries.captured_queries]


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
    no transaction, no savepoint, and never the whole draft list."""
    counts = {}
    for size in (2, 50):
        for position in range(consultation.drafts.count() + 1, size + 1):
            make_draft(consultation, position, name=f"Draft {position}")
        draft = consultation.drafts.get(position=size)
        data = {**valid_data, "occupation": str(draft.pk) if on_a_draft else ""}
        response, queries = post_counting(client, comment_url, data)
        comment = stored_receipt(response)
        assert comment.occupation_id == (draft.pk if on_a_draft else None)
        counts[size] = queries
    assert len(counts[2]) == len(counts[50]) == 2, counts
    if on_a_draft:
        assert counts[50][0].startswith('SELECT "consult_draftoccupation"')
        assert 'INNER JOIN "consult_consultation"' in counts[50][0]
    assert counts[50][-1].startswith('INSERT INTO "consult_comment"')
    assert not any(
        sql.startswith(("BEGIN", "SAVEPOINT", "COMMIT")) for sql in counts[2] + counts[50]
    )


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
        workflow._insert_with_tracking_number(comment)
    assert not Comment.objects.exists()
    ConsultationFactory()  # the connection is still usable
