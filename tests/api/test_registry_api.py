"""Batches and skill standards."""

import pytest

from tests.api.conftest import csv_of, results_of

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/batches/"
STANDARDS = "/api/v1/standards/"
BATCH_FIELDS = {
    "slug",
    "number",
    "title",
    "title_language",
    "announced_on",
    "announced_precision",
    "authorities",
    "authorities_language",
    "occupation_count",
    "announced_count",
    "named_count",
    "provenance",
    "url",
}
STANDARD_FIELDS = {
    "id",
    "title",
    "title_language",
    "kind",
    "occupation",
    "issued_on",
    "issued_precision",
    "authorities",
    "authorities_language",
    "directions",
    "levels",
    "provenance",
}


def test_batches_give_every_field_of_the_contract(client, registry):
    batches = results_of(client, BATCHES)

    assert [set(batch) for batch in batches] == [BATCH_FIELDS, BATCH_FIELDS]
    assert batches[0] == {
        "slug": "batch-1",
        "number": 1,
        "title": "First batch of new occupations",
        "title_language": "zh-hans",
        # April 2019: the month, never a day the source does not give.
        "announced_on": "2019-04",
        "announced_precision": "month",
        "authorities": [
            "Ministry of Human Resources and Social Security",
            "National Bureau of Statistics",
        ],
        # No Chinese names held: English, and said so.
        "authorities_language": ["en", "en"],
        "occupation_count": 2,
        # The announcement counted 13; the registry names 2 of them.
        "announced_count": 13,
        "named_count": 2,
        "provenance": {"sources": [], "fields": {}},
        "url": "http://testserver/api/v1/batches/batch-1/",
    }


def test_batch_detail_adds_its_occupations_in_order(client, registry):
    response = client.get("/api/v1/batches/batch-4/")

    assert response.status_code == 200
    batch = response.json()
    assert set(batch) == BATCH_FIELDS | {"occupations"}
    carbon, historic = registry["occupations"][2:]
    assert batch["occupations"] == [
        {
            "id": carbon.pk,
            "code": "6-28-01-15",
            "name": "碳排放管理员",
            "name_language": "zh-hans",
            "green": True,
            "digital": None,
            "url": f"http://testserver/api/v1/occupations/{carbon.pk}/",
        },
        {
            "id": historic.pk,
            "code": "",
            "name": "Blockchain application operator",
            "name_language": "zh-hans",
            "green": None,
            "digital": None,
            "url": f"http://testserver/api/v1/occupations/{historic.pk}/",
        },
    ]


def test_batch_filters_and_errors(client, registry):
    assert [b["slug"] for b in results_of(client, BATCHES, year=2021)] == ["batch-4"]
    assert [b["slug"] for b in results_of(client, BATCHES, ordering="-announced_on")] == [
        "batch-4",
        "batch-1",
    ]
    assert client.get(BATCHES, {"year": "abc"}).json().keys() == {"year"}
    assert client.get(BATCHES, {"ordering": "size"}).json().keys() == {"ordering"}
    assert client.get("/api/v1/batches/no-such-batch/").status_code == 404


def test_batches_csv_matches_the_json(client, registry):
    rows = csv_of(client.get(BATCHES, {"format": "csv"}))

    assert rows[0] == [
        "slug",
        "number",
        "title",
        "title_language",
        "announced_on",
        "announced_precision",
        "authorities",
        "authorities_language",
        "occupation_count",
        "announced_count",
        "named_count",
        "provenance",
        "url",
    ]
    assert rows[1] == [
        "batch-1",
        "1",
        "First batch of new occupations",
        "zh-hans",
        "2019-04",
        "month",
        "Ministry of Human Resources and Social Security\nNational Bureau of Statistics",
        "en\nen",
        "2",
        "13",
        "2",
        '{"sources": [], "fields": {}}',
        "http://testserver/api/v1/batches/batch-1/",
    ]
    assert [row[0] for row in rows[1:]] == [b["slug"] for b in results_of(client, BATCHES)]


def test_standards_give_every_field_with_levels_low_to_high(client, registry):
    technical, skill = results_of(client, STANDARDS, lang="en")

    assert set(technical) == STANDARD_FIELDS
    ai = registry["occupations"][0]
    assert technical == {
        "id": registry["standards"][0].pk,
        "title": "人工智能工程技术人员国家职业技术技能标准",
        "title_language": "zh-hans",
        "kind": "technical",
        "occupation": {
            "id": ai.pk,
            "name": "人工智能工程技术人员",
            "name_language": "zh-hans",
            "code": "2-02-10-09",
        },
        "issued_on": "2021-07-01",
        "issued_precision": "day",
        "authorities": ["Ministry of Human Resources and Social Security"],
        "authorities_language": ["en"],
        "directions": ["人工智能训练", "智能产品开发"],
        "levels": [
            {"rank": 1, "key": "primary", "name": "primary"},
            {"rank": 2, "key": "intermediate", "name": "intermediate"},
            {"rank": 3, "key": "advanced", "name": "advanced"},
        ],
        "provenance": {"sources": [], "fields": {}},
    }
    # Without a date, no precision either.
    assert skill["issued_on"] is None
    assert skill["issued_precision"] is None
    assert [level["key"] for level in skill["levels"]] == [
        "level5",
        "level4",
        "level3",
        "level2",
        "level1",
    ]
    assert [level["rank"] for level in skill["levels"]] == [1, 2, 3, 4, 5]
    assert all(isinstance(level["name"], str) and level["name"] for level in skill["levels"])


def test_level_names_are_in_the_asked_language_and_keys_do_not_change(client, registry):
    (technical, _skill) = results_of(client, STANDARDS, lang="zh-hans")

    assert [(level["key"], level["name"]) for level in technical["levels"]] == [
        ("primary", "初级"),
        ("intermediate", "中级"),
        ("advanced", "高级"),
    ]


def test_standard_detail(client, registry):
    standard = registry["standards"][1]

    response = client.get(f"{STANDARDS}{standard.pk}/")

    assert response.status_code == 200
    assert response.json()["title"] == "碳排放管理员国家职业技能标准"
    assert client.get(f"{STANDARDS}999999/").status_code == 404


def test_standard_filters_and_errors(client, registry):
    carbon = registry["occupations"][2]

    def titles(**params):
        return [s["title"] for s in results_of(client, STANDARDS, **params)]

    assert titles(kind="skill") == ["碳排放管理员国家职业技能标准"]
    assert titles(occupation=carbon.pk) == ["碳排放管理员国家职业技能标准"]
    assert titles(batch="batch-1") == ["人工智能工程技术人员国家职业技术技能标准"]
    assert titles(ordering="-id") == list(reversed(titles()))
    for parameter, value in (
        ("kind", "expert"),
        ("occupation", "999999"),
        ("occupation", "abc"),
        ("batch", "nope"),
        ("updated_since", "soon"),
    ):
        assert client.get(STANDARDS, {parameter: value}).json().keys() == {parameter}


def test_standards_csv_flattens_levels(client, registry):
    rows = csv_of(client.get(STANDARDS, {"format": "csv"}))

    assert rows[0] == [
        "id",
        "title",
        "title_language",
        "kind",
        "occupation.id",
        "occupation.name",
        "occupation.name_language",
        "occupation.code",
        "issued_on",
        "issued_precision",
        "authorities",
        "authorities_language",
        "directions",
        "levels.rank",
        "levels.key",
        "levels.name",
        "provenance",
    ]
    first = rows[1]
    assert first[8:10] == ["2021-07-01", "day"]
    assert rows[2][8:10] == ["", ""]
    assert first[10] == "Ministry of Human Resources and Social Security"
    assert first[11] == "en"
    assert first[12] == "人工智能训练\n智能产品开发"
    assert first[13] == "1\n2\n3"
    assert first[14] == "primary\nintermediate\nadvanced"
    assert len(rows) == 3
