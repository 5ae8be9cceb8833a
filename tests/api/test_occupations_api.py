import datetime as dt
import json

import pytest
from django.utils import timezone

from occupations.models import Occupation
from tests.api.conftest import csv_of, results_of
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/occupations/"
FIELDS = {
    "id",
    "version",
    "code",
    "name",
    "name_language",
    "alternative_names",
    "alternative_names_language",
    "language",
    "definition",
    "tasks",
    "job_types",
    "job_type_records",
    "green",
    "digital",
    "group",
    "batch",
    "standards",
    "provenance",
    "retired",
    "retired_in",
    "replaces",
    "replaced_by",
    "url",
}


def names(client, **params) -> list[str]:
    return [row["name"] for row in results_of(client, URL, **params)]


def assert_occupation_shape(record: dict) -> None:
    assert set(record) == FIELDS
    assert isinstance(record["id"], int)
    for key in ("code", "name", "definition", "url"):
        assert isinstance(record[key], str)
    for key in ("alternative_names", "tasks", "job_types"):
        assert isinstance(record[key], list)
        assert all(isinstance(item, str) for item in record[key])
    for job_type in record["job_type_records"]:
        assert set(job_type) == {"name", "language", "other_names", "batch", "provenance"}
    assert [job_type["name"] for job_type in record["job_type_records"]] == record["job_types"]
    # Marked, excluded by a source, or not known (null).
    assert record["green"] in (True, False, None)
    assert record["digital"] in (True, False, None)
    assert record["group"] is None or set(record["group"]) == {"code", "title", "title_language"}
    assert set(record["batch"]) == {
        "slug",
        "title",
        "title_language",
        "announced_on",
        "announced_precision",
    }
    for standard in record["standards"]:
        assert set(standard) == {"id", "title", "title_language", "kind"}
    assert set(record["provenance"]) == {"sources", "fields"}


def test_list_gives_every_field_of_the_contract(client, registry):
    response = client.get(URL)

    assert response.status_code == 200
    page = response.json()
    assert list(page) == ["count", "announced", "markers", "next", "previous", "results"]
    assert page["count"] == 4
    # The two batches announced 13 and 18 occupations; the registry names 4 of them.
    assert page["announced"] == {"announced_count": 31, "named_count": 4}
    # How many of the listed occupations each marker is true, false and not known for.
    assert page["markers"] == {
        "green": {"true": 1, "false": 0, "unknown": 3},
        "digital": {"true": 2, "false": 0, "unknown": 2},
    }
    for record in page["results"]:
        assert_occupation_shape(record)
    ai = page["results"][0]
    occupation = registry["occupations"][0]
    assert ai == {
        "id": occupation.pk,
        "code": "2-02-10-09",
        "name": "人工智能工程技术人员",
        "name_language": "zh-hans",
        "alternative_names": ["Artificial intelligence engineering technician"],
        "alternative_names_language": "zh-hans",
        "language": "zh-hans",
        "definition": occupation.definition,
        "tasks": ["分析、研究人工智能算法", "研发机器学习、深度学习等技术"],
        "job_types": [],
        "job_type_records": [],
        "green": None,
        "digital": True,
        "group": {"code": "2", "title": "专业技术人员", "title_language": "zh-hans"},
        "batch": {
            "slug": "batch-1",
            "title": "First batch of new occupations",
            "title_language": "zh-hans",
            "announced_on": "2019-04",
            "announced_precision": "month",
        },
        "standards": [
            {
                "id": registry["standards"][0].pk,
                "title": "人工智能工程技术人员国家职业技术技能标准",
                "title_language": "zh-hans",
                "kind": "technical",
            }
        ],
        "provenance": {"sources": occupation.sources, "fields": occupation.provenance},
        "version": 1,
        "retired": False,
        "retired_in": None,
        "replaces": [],
        "replaced_by": [],
        "url": f"http://testserver/api/v1/occupations/{occupation.pk}/",
    }


def test_detail_is_the_same_record_and_its_url_points_to_itself(client, registry):
    listed = results_of(client, URL)[2]

    response = client.get(listed["url"])

    assert response.status_code == 200
    assert response.json() == listed
    assert_occupation_shape(response.json())


def test_an_occupation_without_group_has_null(client, registry):
    historic = client.get(f"{URL}{registry['occupations'][3].pk}/").json()

    assert historic["group"] is None
    assert historic["code"] == ""


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("人工智能", ["人工智能工程技术人员"]),
        ("碳排放", ["碳排放管理员"]),
        ("核查员", ["碳排放管理员"]),  # a job type
        ("深度学习", ["人工智能工程技术人员"]),  # a task
        ("intelligence", ["人工智能工程技术人员"]),  # an alternative name
        ("INTERNET things", ["物联网工程技术人员"]),  # every word, any case
        ("engineering technician", ["人工智能工程技术人员", "物联网工程技术人员"]),
        ("blockchain", ["Blockchain application operator"]),
        ("工程技术人员 物联网", ["物联网工程技术人员"]),
        ("nonexistent", []),
    ],
)
def test_q_searches_names_definitions_tasks_and_job_types(client, registry, q, expected):
    assert names(client, q=q) == expected


def test_filters_by_batch_year_markers_group_code_and_standard(client, registry):
    assert names(client, batch="batch-4") == ["碳排放管理员", "Blockchain application operator"]
    assert names(client, year=2019) == ["人工智能工程技术人员", "物联网工程技术人员"]
    assert names(client, year=2020) == []
    assert names(client, green="true") == ["碳排放管理员"]
    assert names(client, green="false") == []
    assert names(client, green="unknown", digital="unknown") == ["Blockchain application operator"]
    assert names(client, digital="true") == ["人工智能工程技术人员", "物联网工程技术人员"]
    # Exactly the schema's values: "TRUE" is refused by name (test_invalid_values_…).


def test_markers_false_only_where_a_source_excludes_and_counted_per_filter(client, registry):
    Occupation.objects.filter(pk=registry["occupations"][3].pk).update(green=False)

    assert names(client, green="false") == ["Blockchain application operator"]
    assert names(client, green="unknown") == ["人工智能工程技术人员", "物联网工程技术人员"]
    page = client.get(URL, {"batch": "batch-4"}).json()
    assert page["count"] == 2
    assert page["announced"] == {"announced_count": 18, "named_count": 2}
    assert page["markers"]["green"] == {"true": 1, "false": 1, "unknown": 0}
    assert page["markers"]["digital"] == {"true": 0, "false": 0, "unknown": 2}
    # Not known is an empty CSV cell, never "false".
    header, *lines = csv_of(client.get(URL, {"format": "csv"}))
    rows = {line[header.index("name")]: dict(zip(header, line, strict=True)) for line in lines}
    assert rows["人工智能工程技术人员"]["green"] == ""
    assert rows["Blockchain application operator"]["green"] == "false"
    assert rows["碳排放管理员"]["green"] == "true"
    assert names(client, group="6") == ["碳排放管理员"]
    assert names(client, code="2-02-10-10") == ["物联网工程技术人员"]
    assert names(client, code="2-02") == ["人工智能工程技术人员", "物联网工程技术人员"]
    assert names(client, has_standard="true") == ["人工智能工程技术人员", "碳排放管理员"]
    assert names(client, has_standard="false") == [
        "物联网工程技术人员",
        "Blockchain application operator",
    ]


def test_the_count_comes_with_how_many_of_the_announced_occupations_are_named(client, registry):
    # One occupation of the first batch: its batch announced 13 and the registry names 2.
    one = client.get(URL, {"code": "2-02-10-10"}).json()
    assert (one["count"], one["announced"]) == (1, {"announced_count": 13, "named_count": 2})
    # A batch whose announcement gave no number counts the occupations it named.
    unnumbered = BatchFactory(slug="unnumbered", announced_count=None)
    OccupationFactory(batch=unnumbered, position=1, name="Named without a count")
    page = client.get(URL, {"batch": "unnumbered"}).json()
    assert page["announced"] == {"announced_count": 1, "named_count": 1}
    assert client.get(URL, {"q": "nothing-matches"}).json()["announced"] == {
        "announced_count": 0,
        "named_count": 0,
    }


def test_updated_since_keeps_records_changed_at_or_after_the_time(client, registry):
    carbon = registry["occupations"][2]
    later = timezone.now() + dt.timedelta(hours=1)
    Occupation.objects.filter(pk=carbon.pk).update(updated_at=later)

    assert names(client, updated_since=later.isoformat()) == ["碳排放管理员"]
    assert names(client, updated_since=(later + dt.timedelta(seconds=1)).isoformat()) == []
    assert len(names(client, updated_since="2000-01-01")) == 4
    # An offset PostgreSQL would refuse is converted, not passed on.
    assert len(names(client, updated_since="2000-01-01T00:00:00+16:58")) == 4


def test_ordering_by_name_and_reversed_code(client, registry):
    assert names(client, ordering="name") == sorted(names(client))
    assert [row["code"] for row in results_of(client, URL, ordering="-code")] == [
        "6-28-01-15",
        "2-02-10-10",
        "2-02-10-09",
        "",
    ]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("green", "maybe"),
        ("green", "1"),
        ("digital", "yes please"),
        ("has_standard", "2"),
        ("digital", "0"),
        ("green", "True"),
        ("year", "abc"),
        ("year", "0"),
        ("batch", "no-such-batch"),
        ("group", "9"),
        ("code", "2-2"),
        ("updated_since", "yesterday"),
        ("updated_since", "0001-01-01T00:00:00"),
        ("ordering", "salary"),
        ("ordering", "name,-salary"),
        ("page_size", "0"),
        ("page_size", "-5"),
        ("page_size", "abc"),
        ("page_size", ""),
        ("page", "abc"),
        ("page", "0"),
        ("updated_since", ""),
        ("year", ""),
        ("green", ""),
        ("salary", "1"),
        ("format", "xml"),
        ("q", "a\x00b"),
    ],
)
def test_invalid_values_answer_400_naming_the_parameter(client, registry, parameter, value):
    response = client.get(URL, {parameter: value})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]
    assert all(isinstance(message, str) for message in response.json()[parameter])


def test_unknown_pages_and_records_answer_404_in_json(client, registry):
    for url in (
        f"{URL}?page=9",
        f"{URL}999999/",
        f"{URL}99999999999999999999999/",
        f"{URL}abc/",
        "/api/v1/no-such-endpoint/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "detail" in response.json(), url


def test_page_size_is_capped_at_500(client, registry):
    batch = registry["batches"][1]
    Occupation.objects.bulk_create(
        Occupation(batch=batch, position=10 + n, name=f"Bulk {n}") for n in range(510)
    )

    page = client.get(URL, {"page_size": 1000}).json()

    assert page["count"] == 514
    assert len(page["results"]) == 500
    assert page["next"].endswith("page=2&page_size=1000")
    second = client.get(page["next"]).json()
    assert len(second["results"]) == 14
    assert {r["id"] for r in page["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_page_size_and_page_walk_the_list_without_overlap(client, registry):
    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    assert first["previous"] is None
    assert [r["id"] for r in first["results"] + second["results"]] == [
        r["id"] for r in results_of(client, URL)
    ]
    assert second["next"] is None
    assert second["previous"] is not None


def expected_cells(record: dict) -> list[str]:
    """The CSV contract: dotted columns, list items one per line, booleans true/false."""

    def text(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "\n".join(text(item) for item in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    standards = record["standards"]
    group = record["group"] or {}
    cells = [
        text(record["id"]),
        record["code"],
        record["name"],
        record["name_language"],
        text(record["alternative_names"]),
        record["alternative_names_language"],
        record["language"],
        record["definition"],
        text(record["tasks"]),
        text(record["job_types"]),
        text(record["green"]),
        text(record["digital"]),
        text(group.get("code")),
        text(group.get("title")),
        text(group.get("title_language")),
        record["batch"]["slug"],
        record["batch"]["title"],
        record["batch"]["title_language"],
        record["batch"]["announced_on"],
        record["batch"]["announced_precision"],
        text([s["id"] for s in standards]),
        text([s["title"] for s in standards]),
        text([s["title_language"] for s in standards]),
        text([s["kind"] for s in standards]),
        text(record["provenance"]),
        text(record["version"]),
        text(record["retired"]),
        text(record["retired_in"]),
        record["url"],
    ]
    return ["'" + c if c.startswith(("=", "+", "-", "@")) else c for c in cells]


def test_csv_has_a_header_and_one_row_per_record_matching_the_json(client, registry):
    response = client.get(URL, {"format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="occupations.csv"' in response["Content-Disposition"]
    rows = csv_of(response)
    assert rows[0] == [
        "id",
        "code",
        "name",
        "name_language",
        "alternative_names",
        "alternative_names_language",
        "language",
        "definition",
        "tasks",
        "job_types",
        "green",
        "digital",
        "group.code",
        "group.title",
        "group.title_language",
        "batch.slug",
        "batch.title",
        "batch.title_language",
        "batch.announced_on",
        "batch.announced_precision",
        "standards.id",
        "standards.title",
        "standards.title_language",
        "standards.kind",
        "provenance",
        "version",
        "retired",
        "retired_in",
        "url",
    ]
    records = results_of(client, URL)
    assert rows[1:] == [expected_cells(record) for record in records]
    # A cell that a spreadsheet would run as a formula is defused.
    assert rows[4][7] == "'=Operates blockchain applications."


def test_csv_takes_the_filters_and_ignores_pagination(client, registry):
    green = csv_of(client.get(URL, {"format": "csv", "green": "true"}))
    everything = csv_of(client.get(URL, {"format": "csv", "page_size": 1, "page": 2}))

    assert [row[2] for row in green[1:]] == ["碳排放管理员"]
    assert len(everything) == 1 + 4


def test_csv_accepts_the_accept_header_and_details(client, registry):
    by_header = client.get(URL, HTTP_ACCEPT="text/csv")
    detail = client.get(f"{URL}{registry['occupations'][0].pk}/", {"format": "csv"})

    assert by_header["Content-Type"].startswith("text/csv")
    assert len(csv_of(by_header)) == 5
    rows = csv_of(detail)
    assert len(rows) == 2
    assert rows[1][2] == "人工智能工程技术人员"


def test_csv_with_a_bad_filter_answers_json_400(client, registry):
    response = client.get(URL, {"format": "csv", "year": "abc"})

    assert response.status_code == 400
    assert response.json() == {"year": [response.json()["year"][0]]}


def test_search_text_of_a_new_occupation_is_searchable(client, registry):
    OccupationFactory(
        batch=registry["batches"][1], position=9, name="无人机装调检修工", tasks=["调试无人机"]
    )

    assert names(client, q="无人机") == ["无人机装调检修工"]
