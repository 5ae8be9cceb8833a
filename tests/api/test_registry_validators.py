"""Validators of the registry lists: every change that changes a list changes its ETag, other
changes leave it alone, and a revalidation costs one query however many rows the list has."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult.models import Consultation, DraftOccupation
from consult.workflow.publication import publish_consultation
from occupations.models import Authority, Batch, Occupation, SkillStandard
from occupations.workflow import attach_skill_standard
from tests.api.conftest import many_occupations
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    GroupFactory,
)

pytestmark = pytest.mark.django_db

OCCUPATIONS = "/api/v1/occupations/"
BATCHES = "/api/v1/batches/"
STANDARDS = "/api/v1/standards/"
LISTS = (OCCUPATIONS, BATCHES, STANDARDS)


def etags(client) -> dict[str, str]:
    return {url: client.get(url)["ETag"] for url in LISTS}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {url for url in before if before[url] != after[url]}


def test_nothing_changed_nothing_moves(client, registry):
    before = etags(client)
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    draft = DraftOccupationFactory(consultation=consultation, status=DraftOccupation.Status.DRAFT)
    CommentFactory(consultation=consultation, occupation=draft, body="Unrelated to the registry.")

    assert etags(client) == before


def test_publication_changes_the_occupations_and_batches(client, registry, publisher):
    consultation = ConsultationFactory(
        status=Consultation.Status.REVIEW,
        opens_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    DraftOccupationFactory(
        consultation=consultation,
        status=DraftOccupation.Status.ACCEPTED,
        proposed_code="6-28-01-17",
        name="Hydrogen producer",
    )
    before = etags(client)

    publish_consultation(
        consultation,
        by=publisher,
        now=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
        slug="new-2026",
        title="New occupations 2026",
        announced_on=dt.date(2026, 8, 1),
    )

    assert changed(before, etags(client)) == {OCCUPATIONS, BATCHES, STANDARDS}
    assert "Hydrogen producer" in client.get(OCCUPATIONS).content.decode()


def test_a_standard_attached_after_publication_changes_the_lists(
    client, registry, standards_editor
):
    iot = registry["occupations"][1]
    detail = f"/api/v1/occupations/{iot.pk}/"
    before, detail_before = etags(client), client.get(detail)["ETag"]

    attach_skill_standard(iot, by=standards_editor, title="IoT standard", kind="technical")

    assert changed(before, etags(client)) == set(LISTS)
    assert client.get(detail)["ETag"] != detail_before


def test_a_deleted_standard_changes_the_lists(client, registry):
    before = etags(client)
    standard = registry["standards"][0]
    standard.levels.all().delete()
    SkillStandard.objects.filter(pk=standard.pk).delete()

    after = etags(client)

    assert {OCCUPATIONS, STANDARDS} <= changed(before, after)


def test_a_level_edited_in_the_admin_changes_the_standards(client, registry, standards_editor):
    standard = registry["standards"][0]  # technical: primary, intermediate, advanced
    levels = list(standard.levels.order_by("rank"))
    before = etags(client)
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(standards_editor)
    data = {
        "title": standard.title,
        "edition": "",
        "issued_on": "2021-07-01",
        "issued_precision": "day",
        "directions": "人工智能训练\n智能产品开发",
        "notes": "",
        "levels-TOTAL_FORMS": "4",
        "levels-INITIAL_FORMS": "3",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    # The advanced level deleted and added again: the one edit the level set allows.
    for i, level in enumerate(levels):
        data |= {
            f"levels-{i}-id": str(level.pk),
            f"levels-{i}-key": level.key,
            f"levels-{i}-standard": str(standard.pk),
        }
    data |= {"levels-2-DELETE": "on", "levels-3-key": "advanced"}
    data["levels-3-standard"] = str(standard.pk)

    response = admin.post(
        reverse("admin:occupations_skillstandard_change", args=[standard.pk]), data
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [level.key for level in standard.levels.order_by("rank")] == [
        "primary",
        "intermediate",
        "advanced",
    ]
    assert STANDARDS in changed(before, etags(client))


def test_an_edited_occupation_changes_the_occupations(client, registry):
    before = etags(client)
    occupation = registry["occupations"][2]
    occupation.definition = "A new definition."
    occupation.save()

    assert changed(before, etags(client)) == set(LISTS)


def test_a_deleted_occupation_changes_the_occupations(client, registry):
    before = etags(client)
    Occupation.objects.filter(pk=registry["occupations"][1].pk).delete()

    assert {OCCUPATIONS, BATCHES} <= changed(before, etags(client))


def test_an_edited_batch_changes_the_occupations_and_batches(client, registry):
    before = etags(client)
    batch = Batch.objects.get(slug="batch-4")
    batch.title = "Fourth batch, corrected title"
    batch.save()

    assert {OCCUPATIONS, BATCHES} <= changed(before, etags(client))


def test_a_renamed_group_changes_the_occupations(client, registry):
    before = etags(client)
    group = GroupFactory(code="6")
    group.title = "生产制造人员"
    group.save()

    assert OCCUPATIONS in changed(before, etags(client))
    assert "生产制造人员" in client.get(OCCUPATIONS).content.decode()


def test_a_renamed_authority_changes_the_batches_and_standards(client, registry):
    before = etags(client)
    authority = Authority.objects.get(name="National Bureau of Statistics")
    authority.name = "National Bureau of Statistics of China"
    authority.save()

    assert {BATCHES, STANDARDS} <= changed(before, etags(client))


@pytest.mark.parametrize("header", ["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"])
def test_a_revalidation_is_one_query_whatever_the_rows(client, header):
    many_occupations(100)
    validator = "ETag" if header == "HTTP_IF_NONE_MATCH" else "Last-Modified"
    for page_size in (1, 100):
        url = f"{OCCUPATIONS}?page_size={page_size}"
        first = client.get(url)
        with CaptureQueriesContext(connection) as captured:
            again = client.get(url, **{header: first[validator]})
        assert again.status_code == 304
        assert len(captured) == 1


def test_record_urls_are_those_reverse_gives(client, registry):
    occupations = client.get(OCCUPATIONS).json()["results"]
    batches = client.get(BATCHES).json()["results"]

    assert [o["url"] for o in occupations] == [
        f"http://testserver/api/v1/occupations/{o['id']}/" for o in occupations
    ]
    assert [b["url"] for b in batches] == [
        f"http://testserver/api/v1/batches/{b['slug']}/" for b in batches
    ]
    assert all(
        o["url"] == "http://testserver" + reverse("api:occupation-detail", args=[o["id"]])
        for o in occupations
    )


def test_record_urls_follow_the_host_of_each_request(client, registry, settings):
    settings.ALLOWED_HOSTS = ["api.example.org", "testserver"]
    client.get(OCCUPATIONS)
    response = client.get(OCCUPATIONS, HTTP_HOST="api.example.org", secure=True)
    urls = [o["url"] for o in response.json()["results"]]

    assert urls == [
        f"https://api.example.org/api/v1/occupations/{o['id']}/" for o in response.json()["results"]
    ]


@pytest.mark.parametrize(
    "params", [{}, {"green": "true"}, {"q": "occupation"}, {"has_standard": "false"}]
)
def test_the_page_count_is_the_validators_count(client, registry, params):
    """The list's count comes from the validators' aggregate: it is the number of rows the
    page walks through, filtered or not."""
    many_occupations(30)
    body = client.get(OCCUPATIONS, {**params, "page_size": 7}).json()
    expected = Occupation.objects.count() if not params else None
    rows = []
    for page in range(1, -(-body["count"] // 7) + 1):
        rows += client.get(OCCUPATIONS, {**params, "page_size": 7, "page": page}).json()["results"]

    assert len(rows) == len({row["id"] for row in rows}) == body["count"]
    if expected is not None:
        assert body["count"] == expected
    assert client.get(OCCUPATIONS, {**params, "page_size": 7, "page": 99}).status_code == 404


def test_the_browsable_api_counts_for_itself(client, registry):
    response = client.get(OCCUPATIONS, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "ETag" not in response
    assert "&quot;count&quot;: 4" in response.content.decode()
