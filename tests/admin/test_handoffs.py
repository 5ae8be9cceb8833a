"""Handoffs: the consultation page says who acts next, each publication problem links to its
draft and names the role that solves it, and editors decide every draft on one table."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consult.models import DraftOccupation
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import DecisionRefused, DraftDecision, decide_drafts
from core.errors import InvalidTransition
from tests.admin.conftest import messages_of
from tests.factories import SHANGHAI, OccupationFactory

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
AFTER = dt.datetime(2026, 7, 18, 0, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def in_review(drafting, superuser):
    open_consultation(drafting, by=superuser, now=BEFORE)
    begin_review(drafting, by=superuser, now=AFTER)
    drafting.refresh_from_db()
    return drafting


def drafts_of(consultation):
    return list(consultation.drafts.in_order())


def decide_url(consultation):
    return reverse("admin:consult_consultation_decide", args=[consultation.pk])


def row(draft, **values):
    return {f"draft-{draft.pk}-{k}": v for k, v in values.items()}


def empty_rows(consultation):
    data = {}
    for draft in drafts_of(consultation):
        data |= row(draft, decision="", proposed_code=draft.proposed_code, reason="")
    return data


@time_machine.travel(AFTER, tick=False)
def test_the_publisher_sees_who_acts_next_with_a_link_per_problem(client_for, publisher, in_review):
    hydrogen, _ = drafts_of(in_review)
    change = reverse("admin:consult_consultation_change", args=[in_review.pk])
    body = client_for(publisher).get(change).content.decode()
    assert "Who acts next" in body
    assert "Publication waits for the editors: 3 problems to solve." in body
    draft_url = reverse("admin:consult_draftoccupation_change", args=[hydrogen.pk])
    assert (
        f'<a href="{draft_url}">“Hydrogen producer” is neither accepted nor withdrawn.</a>' in body
    )
    assert "to be solved by editors" in body
    # No button that would only lead to a refusal, but the reason instead.
    assert reverse("admin:consult_consultation_publish", args=[in_review.pk]) not in body
    assert "Publish is not possible yet: Publication waits for 3 problems" in body
    # The publisher decides no drafts: no link to the table.
    assert decide_url(in_review) not in body.split("Who acts next")[0]


@time_machine.travel(AFTER, tick=False)
def test_the_publish_page_links_each_problem_to_its_draft(client_for, publisher, in_review):
    hydrogen, _ = drafts_of(in_review)
    body = client_for(publisher).get(
        reverse("admin:consult_consultation_publish", args=[in_review.pk])
    )
    text = body.content.decode()
    draft_url = reverse("admin:consult_draftoccupation_change", args=[hydrogen.pk])
    assert body.status_code == 200
    assert f'<a href="{draft_url}">“Hydrogen producer” is neither accepted' in text
    assert "to be solved by editors" in text


@time_machine.travel(AFTER, tick=False)
def test_an_editor_decides_every_draft_on_one_table(client_for, editor, publisher, in_review):
    hydrogen, pilot = drafts_of(in_review)
    client = client_for(editor)
    page = client.get(decide_url(in_review)).content.decode()
    assert "Decide the drafts" in page
    assert "“Hydrogen producer” is neither accepted nor withdrawn." in page
    assert "selected>— leave as it is —" in page or "— leave as it is —" in page
    data = empty_rows(in_review)
    data |= row(hydrogen, decision="accept", proposed_code="4-08-09-12")
    data |= row(pilot, decision="withdraw", reason="Covered by an existing occupation.")
    response = client.post(decide_url(in_review), data)
    assert response.status_code == 302
    assert messages_of(response) == ["2 drafts decided."]
    hydrogen.refresh_from_db()
    pilot.refresh_from_db()
    assert (hydrogen.status, hydrogen.proposed_code) == ("accepted", "4-08-09-12")
    assert (pilot.status, pilot.withdrawal_reason) == (
        "withdrawn",
        "Covered by an existing occupation.",
    )
    change = reverse("admin:consult_consultation_change", args=[in_review.pk])
    body = client_for(publisher).get(change).content.decode()
    assert "Every draft is decided: a publisher publishes the batch." in body
    assert reverse("admin:consult_consultation_publish", args=[in_review.pk]) in body


@time_machine.travel(AFTER, tick=False)
def test_a_withdrawal_without_reason_is_refused_and_nothing_changes(client_for, editor, in_review):
    hydrogen, pilot = drafts_of(in_review)
    data = empty_rows(in_review)
    data |= row(hydrogen, decision="accept", proposed_code="4-08-09-12")
    data |= row(pilot, decision="withdraw", reason="  ")
    response = client_for(editor).post(decide_url(in_review), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Give a reason for the withdrawal." in body
    assert set(in_review.drafts.values_list("status", flat=True)) == {"proposed"}
    assert not in_review.drafts.exclude(proposed_code="").exists()


@time_machine.travel(AFTER, tick=False)
def test_a_malformed_code_is_refused_on_its_row(client_for, editor, in_review):
    hydrogen, _ = drafts_of(in_review)
    data = empty_rows(in_review) | row(hydrogen, decision="accept", proposed_code="4-8-9-12")
    response = client_for(editor).post(decide_url(in_review), data)
    assert response.status_code == 200
    assert "An occupation code has the form" in response.content.decode()
    hydrogen.refresh_from_db()
    assert hydrogen.status == "proposed"


@time_machine.travel(AFTER, tick=False)
def test_a_code_already_published_shows_on_its_row(client_for, editor, in_review):
    OccupationFactory(code="4-08-09-12", name="Hydrogen technician")
    hydrogen, _ = drafts_of(in_review)
    data = empty_rows(in_review) | row(hydrogen, decision="accept", proposed_code="4-08-09-12")
    response = client_for(editor).post(decide_url(in_review), data, follow=True)
    body = response.content.decode()
    row_html = body.split(f'id="draft-{hydrogen.pk}"')[1].split("</tr>")[0]
    assert "already used by the published “Hydrogen technician”" in row_html


def test_decide_drafts_is_all_or_nothing(editor, in_review):
    hydrogen, pilot = drafts_of(in_review)
    with pytest.raises(DecisionRefused) as exc:
        decide_drafts(
            in_review,
            by=editor,
            decisions=[
                DraftDecision(draft=hydrogen, decision="accept", code="4-08-09-12"),
                DraftDecision(draft=pilot, decision="reinstate"),
            ],
        )
    assert exc.value.draft == pilot
    assert isinstance(exc.value, InvalidTransition)
    hydrogen.refresh_from_db()
    assert (hydrogen.status, hydrogen.proposed_code) == (DraftOccupation.Status.PROPOSED, "")


@pytest.mark.parametrize("role", ["moderator", "publisher"])
def test_only_editors_decide_drafts(client_for, in_review, role, request):
    user = request.getfixturevalue(role)
    assert client_for(user).get(decide_url(in_review)).status_code == 403


def test_the_table_is_for_review_only(client_for, editor, drafting):
    response = client_for(editor).get(decide_url(drafting))
    assert response.status_code == 302
    assert "Drafts are decided during review" in messages_of(response)[0]
