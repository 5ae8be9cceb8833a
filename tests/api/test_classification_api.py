"""``/api/v1/classification/``: the editions, the earlier release periods and the batches as
one read-only document, open to anyone, dates at their precision, every record with its
sources and provenance, as its OpenAPI schema says."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from occupations.models import ClassificationEdition, ReleasePeriod
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/classification/"
INFERRED = {"basis": "inference", "rule": "year from the order of batches in 000_history.txt"}


@pytest.fixture
def history(db):
    ClassificationEdition.objects.create(
        year=2022,
        issued_on=dt.date(2022, 9, 1),
        issued_precision="month",
        revision=2,
        major_group_count=8,
        occupation_count=1639,
        sources=[{"file": "010.txt", "quote": "The 2022 edition lists 1,639 occupations."}],
    )
    ReleasePeriod.objects.create(
        started_year=2004,
        ended_year=2009,
        batch_count=12,
        occupation_count=120,
        occupation_count_is_minimum=True,
        sources=[{"file": "000.txt", "quote": "By 2009, 12 batches had been released."}],
    )
    june = BatchFactory(
        slug="june",
        title="第五批",
        language="zh-hans",
        translated_title="",
        announced_on=dt.date(2022, 6, 1),
        announced_precision="month",
        announced_count=18,
        provenance={"announced_on": INFERRED},
    )
    OccupationFactory(batch=june)
    BatchFactory(slug="y2024", announced_on=dt.date(2024, 1, 1), announced_precision="year")


def test_the_classification_is_one_document_with_dates_at_their_precision(history):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"editions", "release_periods", "batches"}
    [edition] = data["editions"]
    assert edition == {
        "year": 2022,
        "issued_on": "2022-09",
        "issued_precision": "month",
        "revision": 2,
        "major_group_count": 8,
        "occupation_count": 1639,
        # The same shape as every record of the API: its sources and, per field, the rest.
        "provenance": {
            "sources": [{"file": "010.txt", "quote": "The 2022 edition lists 1,639 occupations."}],
            "fields": {},
        },
    }
    [period] = data["release_periods"]
    assert period["occupation_count"] == 120 and period["occupation_count_is_minimum"] is True
    assert period["provenance"]["sources"][0]["quote"] == "By 2009, 12 batches had been released."
    june, y2024 = data["batches"]
    assert june["announced_on"] == "2022-06" and y2024["announced_on"] == "2024"
    assert june["title"] == "第五批" and june["title_language"] == "zh-hans"
    assert june["announced_count"] == 18 and june["named_count"] == 1
    assert june["provenance"]["fields"] == {"announced_on": INFERRED}
    assert june["url"] == "http://testserver/api/v1/batches/june/"
    assert "-01" not in json.dumps(data)  # no month or year written as a day


def test_it_is_read_only_cached_by_its_content_and_has_no_detail_route(history):
    client = Client()
    first = client.get(URL)
    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    ClassificationEdition.objects.update(occupation_count=1640)  # no time of change kept
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.post(URL, {}).status_code == 405
    assert client.get(URL + "1/").status_code == 404
    assert client.get(URL, {"lang": "fr"}).status_code == 400
    # The asked language first, then any other language its labels are in (batch titles).
    assert client.get(URL, {"lang": "en"})["Content-Language"].split(", ")[0] == "en"


def test_the_api_root_lists_it(history):
    assert Client().get("/api/v1/").json()["classification"].endswith(URL)


def test_its_schema_describes_what_it_answers(history):
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(raw))
    operation = schema["paths"][URL]["get"]
    assert set(schema["paths"][URL]) == {"get"}
    assert {"lang", "If-None-Match"} <= {p["name"] for p in operation["parameters"]}
    assert {"200", "304", "400", "429"} <= set(operation["responses"])
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    document = components[reference.rsplit("/", 1)[1]]
    assert set(document["properties"]) == {"editions", "release_periods", "batches"}
    data = Client().get(URL).json()
    for key, items in data.items():
        item_ref = document["properties"][key]["items"]["$ref"]
        properties = components[item_ref.rsplit("/", 1)[1]]["properties"]
        for item in items:
            assert set(item) == set(properties), key
    edition = components[document["properties"]["editions"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert edition["properties"]["issued_on"]["pattern"] == r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
