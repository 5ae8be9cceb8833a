"""Moderation on a laptop screen: what a moderator decides on comes first, the consultation
column goes once filtered by it, the occupation filter lists the chosen consultation's drafts,
and a comment's page shows the text it is about with links to its neighbours."""

import datetime as dt

import pytest
from django.urls import reverse

from consult.models import Consultation, DraftOccupation
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:consult_comment_changelist")


@pytest.fixture
def consulted():
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION, title="Batch A")
    draft = DraftOccupationFactory(
        consultation=consultation,
        name="Hydrogen producer",
        status=DraftOccupation.Status.PROPOSED,
        tasks=["Run electrolysers.", "Keep the plant safe.", "Record output."],
        consulted_text={
            "name": "Hydrogen producer",
            "proposed_code": "",
            "tasks": ["Run electrolysers.", "Keep the plant safe.", "Record output (old)."],
            "definition": "Personnel who produce hydrogen.",
            "job_types": [],
            "green": True,
            "digital": False,
        },
    )
    other = ConsultationFactory(status=Consultation.Status.CONSULTATION, title="Batch B")
    DraftOccupationFactory(consultation=other, name="Drone pilot")
    return consultation, draft


def test_the_decisive_columns_come_first(client_for, moderator, consulted):
    consultation, draft = consulted
    CommentFactory(consultation=consultation, occupation=draft, body="Please add more.")
    body = client_for(moderator).get(CHANGELIST).content.decode()
    header = body.split("<thead>")[1].split("</thead>")[0]
    order = [
        header.index(f"column-{name}")
        for name in ("excerpt", "status", "disposition", "consent_to_publish", "consultation")
    ]
    assert order == sorted(order)
    assert "white-space: nowrap" in body


def test_filtered_by_one_consultation_its_column_goes_and_its_drafts_are_the_filter(
    client_for, moderator, consulted
):
    consultation, draft = consulted
    CommentFactory(consultation=consultation, occupation=draft)
    client = client_for(moderator)
    unfiltered = client.get(CHANGELIST).content.decode()
    assert "column-consultation" in unfiltered
    assert "Drone pilot" not in unfiltered  # no occupation filter before a consultation is chosen
    filtered = client.get(
        f"{CHANGELIST}?consultation__id__exact={consultation.pk}"
    ).content.decode()
    assert "column-consultation" not in filtered
    assert f"occupation__id__exact={draft.pk}" in filtered
    assert "1. Hydrogen producer" in filtered or "Hydrogen producer" in filtered
    assert "Drone pilot" not in filtered


def test_the_occupation_filter_filters(client_for, moderator, consulted):
    consultation, draft = consulted
    on_draft = CommentFactory(consultation=consultation, occupation=draft, body="On the draft.")
    CommentFactory(consultation=consultation, body="On the whole list.")
    response = client_for(moderator).get(
        f"{CHANGELIST}?consultation__id__exact={consultation.pk}&occupation__id__exact={draft.pk}"
    )
    body = response.content.decode()
    assert on_draft.tracking_number in body and "On the whole list." not in body
    assert client_for(moderator).get(f"{CHANGELIST}?occupation__id__exact=x²").status_code == 200


def test_a_comment_on_task_3_shows_task_3_as_consulted_and_its_neighbours(
    client_for, moderator, consulted
):
    consultation, draft = consulted
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    older = CommentFactory(consultation=consultation, submitted_at=start)
    comment = CommentFactory(
        consultation=consultation,
        occupation=draft,
        field="task",
        task_number=3,
        submitted_at=start + dt.timedelta(minutes=1),
    )
    newer = CommentFactory(consultation=consultation, submitted_at=start + dt.timedelta(minutes=2))
    body = (
        client_for(moderator)
        .get(reverse("admin:consult_comment_change", args=[comment.pk]))
        .content.decode()
    )
    assert "Record output (old)." in body  # the text as the public read it, not today's
    newer_url = reverse("admin:consult_comment_change", args=[newer.pk])
    older_url = reverse("admin:consult_comment_change", args=[older.pk])
    assert f'<a href="{newer_url}" rel="prev">' in body
    assert f'<a href="{older_url}" rel="next">' in body
