"""Consultations past drafting, and their published comments."""

import datetime as dt

import pytest
import time_machine

from consult.models import Comment, DraftOccupation
from tests.api.conftest import SECRET_BODIES, csv_of, results_of
from tests.factories import CommentFactory, OccupationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/consultations/"
FIELDS = {
    "slug",
    "title",
    "sample",
    "opens_at",
    "closes_at",
    "state",
    "status",
    "comments_collected_elsewhere",
    "comment_count",
    "comment_record",
    "withdrawn_as_misattributed",
    "occupations",
    "provenance",
}
DRAFT_FIELDS = {
    "draft_id",
    "type",
    "kind",
    "target",
    "code",
    "name",
    "name_language",
    "definition",
    "tasks",
    "job_types",
    "green",
    "digital",
    "status",
    "public_explanation",
    "justification",
    "provenance",
    "url",
}
COMMENT_FIELDS = {
    "id",
    "submitted_at",
    "author",
    "organisation",
    "occupation",
    "field",
    "body",
    "proposed_text",
    "disposition",
    "reply",
    # Comments sent through the API for an organisation (null for the public form's).
    "signatures",
    "submitted_by",
}


def slugs(client, **params) -> list[str]:
    return [c["slug"] for c in results_of(client, URL, **params)]


def test_every_consultation_past_drafting_with_every_field(client, consultations):
    listed = results_of(client, URL)

    assert {c["slug"] for c in listed} == {"draft-list-2026", "next-list", "last-list"}
    for consultation in listed:
        assert set(consultation) == FIELDS
        assert isinstance(consultation["comment_count"], int)
        assert consultation["sample"] is False
        for draft in consultation["occupations"]:
            assert set(draft) == DRAFT_FIELDS
    open_one = client.get(f"{URL}draft-list-2026/").json()
    assert open_one["state"] == "open"
    assert open_one["status"] == "consultation"
    # Every comment received but the spam one.
    assert open_one["comment_count"] == 5
    hydrogen = consultations["hydrogen"]
    assert open_one["sample"] is False
    assert open_one["comments_collected_elsewhere"] is False
    assert open_one["occupations"][0] == {
        "draft_id": hydrogen.pk,
        "type": "draft_occupation",
        "kind": "new_occupation",
        "target": None,
        "code": "6-28-01-17",
        "name": "Hydrogen producer",
        "name_language": "zh-hans",
        "definition": "Personnel who maintain hydrogen production equipment.",
        "tasks": ["Operate electrolysers.", "Record readings."],
        "job_types": ["Electrolysis operator"],
        "green": True,
        # No source says: not known, never false.
        "digital": None,
        "status": "proposed",
        "public_explanation": "",
        "justification": "",
        "provenance": {"sources": [], "fields": {}},
        "url": f"http://testserver/consultations/draft-list-2026/#draft-{hydrogen.pk}",
    }
    assert [d["name"] for d in open_one["occupations"]] == [
        "Hydrogen producer",
        "Low-altitude pilot",
    ]
    assert dt.datetime.fromisoformat(open_one["closes_at"]) == consultations["open"].closes_at


def test_a_draft_cannot_be_joined_with_an_occupation_by_its_id(client, consultations):
    (draft, *_) = client.get(f"{URL}draft-list-2026/").json()["occupations"]

    # No "id" to join on: a draft's number is named draft_id, and it says what it is.
    assert "id" not in draft
    assert draft["type"] == "draft_occupation"
    page = client.get(draft["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert f'id="draft-{draft["draft_id"]}"' in page.content.decode()


def test_samples_are_left_out_of_lists_unless_asked_for(client, consultations):
    consultations["open"].__class__.objects.filter(slug="next-list").update(sample=True)

    assert "next-list" not in slugs(client)
    assert "next-list" in slugs(client, include_samples="true")
    assert "next-list" not in slugs(client, include_samples="false")
    assert client.get(f"{URL}next-list/").json()["sample"] is True
    response = client.get(URL, {"include_samples": "perhaps"})
    assert response.status_code == 400
    assert response.json().keys() == {"include_samples"}


def test_comments_collected_elsewhere_have_no_count(client, consultations):
    consultations["open"].__class__.objects.filter(slug="last-list").update(
        comments_collected_elsewhere=True
    )

    last = client.get(f"{URL}last-list/").json()
    assert last["comments_collected_elsewhere"] is True
    # Their number is not known: null, never 0.
    assert last["comment_count"] is None


def test_a_consultation_in_drafting_is_not_there(client, consultations):
    assert client.get(f"{URL}still-drafting/").status_code == 404
    assert client.get(f"{URL}still-drafting/comments/").status_code == 404
    assert "Secret draft" not in client.get(URL).content.decode()


def test_state_follows_the_clock(client, consultations):
    closes_at = consultations["open"].closes_at

    with time_machine.travel(closes_at, tick=False):
        assert client.get(f"{URL}draft-list-2026/").json()["state"] == "open"
    with time_machine.travel(closes_at + dt.timedelta(seconds=1), tick=False):
        assert client.get(f"{URL}draft-list-2026/").json()["state"] == "closed"


def test_filters_by_state_and_status(client, consultations):
    assert slugs(client, state="open") == ["draft-list-2026"]
    assert slugs(client, state="scheduled") == ["next-list"]
    assert slugs(client, state="closed") == ["last-list"]
    assert slugs(client, status="review") == ["last-list"]
    assert slugs(client, ordering="opens_at") == ["last-list", "draft-list-2026", "next-list"]
    for parameter, value in (("state", "ajar"), ("status", "drafting"), ("ordering", "x")):
        response = client.get(URL, {parameter: value})
        assert response.status_code == 400
        assert response.json().keys() == {parameter}


def test_consultations_csv(client, consultations):
    rows = csv_of(client.get(URL, {"format": "csv"}))

    assert rows[0] == [
        "slug",
        "title",
        "sample",
        "opens_at",
        "closes_at",
        "state",
        "status",
        "comments_collected_elsewhere",
        "comment_count",
        "comment_record.root",
        "comment_record.count",
        "comment_record.algorithm",
        "comment_record.computed_at",
        "withdrawn_as_misattributed",
        "occupations.draft_id",
        "occupations.code",
        "occupations.name",
        "occupations.status",
        "provenance",
    ]
    by_slug = {row[0]: row for row in rows[1:]}
    assert set(by_slug) == set(slugs(client))
    assert by_slug["draft-list-2026"][2] == "false"
    assert by_slug["draft-list-2026"][5:9] == ["open", "consultation", "false", "5"]
    # Open: no comment record yet, none withdrawn.
    assert by_slug["draft-list-2026"][9:14] == ["", "", "", "", "0"]
    assert by_slug["draft-list-2026"][16] == "Hydrogen producer\nLow-altitude pilot"


COMMENTS = "/api/v1/consultations/draft-list-2026/comments/"


def test_only_published_consented_comments_with_every_field(client, consultations):
    response = client.get(COMMENTS)

    assert response.status_code == 200
    comments = response.json()["results"]
    assert [c["body"] for c in comments] == [
        "The list is welcome.",
        "The definition should mention storage.",
    ]
    for comment in comments:
        assert set(comment) == COMMENT_FIELDS
    anonymous, signed = comments
    assert anonymous["author"] == "Anonymous"
    assert anonymous["occupation"] is None
    assert anonymous["field"] == ""
    assert signed == {
        "id": consultations["signed"].pk,
        "submitted_at": signed["submitted_at"],
        "author": "Example Reader",
        "organisation": "Hydrogen Energy Association",
        "occupation": {
            "draft_id": consultations["hydrogen"].pk,
            "type": "draft_occupation",
            "name": "Hydrogen producer",
            "name_language": "zh-hans",
            "url": "http://testserver/consultations/draft-list-2026/"
            f"#draft-{consultations['hydrogen'].pk}",
        },
        "field": "definition",
        "body": "The definition should mention storage.",
        "proposed_text": "Personnel who produce and store hydrogen.",
        "disposition": "adopted",
        "reply": "Adopted in the revised definition.",
        "signatures": None,
        "submitted_by": None,
    }
    assert not any(secret in response.content.decode() for secret in SECRET_BODIES)


def test_comment_detail_only_for_published_comments(client, consultations):
    signed = consultations["signed"]
    hidden = Comment.objects.get(body=SECRET_BODIES[2])

    assert client.get(f"{COMMENTS}{signed.pk}/").json()["body"] == signed.body
    assert client.get(f"{COMMENTS}{hidden.pk}/").status_code == 404
    # A published comment is reachable only under its own consultation.
    assert client.get(f"/api/v1/consultations/next-list/comments/{signed.pk}/").status_code == 404


def test_comment_filters(client, consultations):
    hydrogen = consultations["hydrogen"]

    def bodies(**params):
        return [c["body"] for c in results_of(client, COMMENTS, **params)]

    assert bodies(occupation=hydrogen.pk) == ["The definition should mention storage."]
    assert bodies(disposition="pending") == ["The list is welcome."]
    assert bodies(field="definition") == ["The definition should mention storage."]
    assert bodies(ordering="submitted_at") == list(reversed(bodies()))
    for parameter, value in (("disposition", "ignored"), ("occupation", "0"), ("field", "x")):
        response = client.get(COMMENTS, {parameter: value})
        assert response.status_code == 400
        assert response.json().keys() == {parameter}


def test_comments_csv_matches_the_json(client, consultations):
    rows = csv_of(client.get(COMMENTS, {"format": "csv"}))
    comments = results_of(client, COMMENTS)

    assert rows[0] == [
        "id",
        "submitted_at",
        "author",
        "organisation",
        "occupation.draft_id",
        "occupation.name",
        "field",
        "body",
        "proposed_text",
        "disposition",
        "reply",
        "signatures",
        "submitted_by",
        "comment_record.root",
        "comment_record.count",
        "comment_record.algorithm",
    ]
    assert [row[0] for row in rows[1:]] == [str(c["id"]) for c in comments]
    assert rows[2][1] == comments[1]["submitted_at"]
    assert rows[2][4:6] == [str(consultations["hydrogen"].pk), "Hydrogen producer"]
    assert rows[1][4:6] == ["", ""]


def test_a_new_published_comment_changes_the_count_and_the_etag(client, consultations):
    before = client.get(COMMENTS)
    CommentFactory(consultation=consultations["open"], status=Comment.Status.PUBLISHED)

    after = client.get(COMMENTS, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after.json()["count"] == 3
    assert after["ETag"] != before["ETag"]


def test_a_draft_says_its_kind_and_the_published_occupation_it_changes(client, consultations):
    hydrogen = consultations["hydrogen"]
    target = OccupationFactory()
    DraftOccupation.objects.filter(pk=hydrogen.pk).update(kind="revision", target=target)
    drafts = client.get(f"{URL}draft-list-2026/").json()["occupations"]
    revised = next(d for d in drafts if d["draft_id"] == hydrogen.pk)
    assert (revised["kind"], revised["target"]) == ("revision", target.pk)
