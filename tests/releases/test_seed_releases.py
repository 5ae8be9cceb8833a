"""The seed history as releases, and the registry read as it was in each."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings

from occupations.models import Occupation, Release
from seeds import loader

pytestmark = pytest.mark.django_db


def _all(client, path, **params):
    records, page = [], 1
    while True:
        response = client.get(path, {**params, "page": page, "page_size": 500})
        assert response.status_code == 200, response.content
        body = response.json()
        records += body["results"]
        if not body["next"]:
            return records
        page += 1


def test_the_seed_history_loads_as_one_release_per_batch_then_the_standards(seeded):
    releases = list(Release.objects.order_by("sequence"))
    notes = [release.note for release in releases]
    assert len(releases) == 7
    assert notes[0].startswith("Seed history: ") and "first" in notes[0].lower()
    assert notes[-1] == "Seed history: National occupational skill standards."
    assert [r.added_count for r in releases[:4]] == [1 + 13, 1 + 16, 1 + 9, 1 + 18]
    assert releases[-1].added_count == 10


def test_release_reads_the_registry_as_it_was(seeded, client):
    first, second = Release.objects.order_by("sequence")[:2]
    occupations = _all(client, "/api/v1/occupations/", release=first.version)
    assert len(occupations) == 13
    assert {o["batch"]["slug"] for o in occupations} == {"first-batch-2019"}
    assert all(o["standards"] == [] for o in occupations)
    assert len(_all(client, "/api/v1/occupations/", release=second.version)) == 29
    batches = _all(client, "/api/v1/batches/", release=first.version)
    assert [b["slug"] for b in batches] == ["first-batch-2019"]
    assert _all(client, "/api/v1/standards/", release=second.version) == []


AI_TECHNICIANS = "Artificial Intelligence Engineering Technicians"


def _correct_definition(seed_copy, new_text):
    path = seed_copy / "batches" / "2019-first-batch.yaml"
    text = path.read_text(encoding="utf-8")
    old = Occupation.objects.get(name=AI_TECHNICIANS).definition
    assert f'definition: "{old}"' in text
    path.write_text(text.replace(f'definition: "{old}"', f'definition: "{new_text}"'), "utf-8")
    return old


def test_a_corrected_seed_file_loads_as_a_correction_release(
    seeded, seed_copy, client, django_capture_on_commit_callbacks
):
    old = _correct_definition(seed_copy, "Corrected definition.")
    with django_capture_on_commit_callbacks(execute=True):
        loader.load(loader.read_seeds(seed_copy))
    correction = Release.objects.order_by("sequence").last()
    assert correction.version == "2026.8"
    assert (correction.added_count, correction.changed_count, correction.removed_count) == (
        0,
        1,
        0,
    )
    occupation = Occupation.objects.get(name=AI_TECHNICIANS)

    detail = client.get(f"/api/v1/releases/{correction.version}/").json()
    assert detail["previous"] == "2026.7"
    assert detail["changes"] == [
        {
            "record_type": "occupation",
            "id": str(occupation.pk),
            "action": "changed",
            "fields": [{"name": "definition", "old": old, "new": "Corrected definition."}],
        }
    ]
    before = client.get(f"/api/v1/occupations/{occupation.pk}/", {"release": "2026.1"}).json()
    after = client.get(f"/api/v1/occupations/{occupation.pk}/", {"release": "2026.8"}).json()
    live = client.get(f"/api/v1/occupations/{occupation.pk}/").json()
    assert before["definition"] == old
    assert before["standards"] == []
    assert after == live
    assert after["definition"] == "Corrected definition."

    since = _all(client, "/api/v1/occupations/", since_release="2026.7")
    assert [o["id"] for o in since] == [occupation.pk]
    assert _all(client, "/api/v1/batches/", since_release="2026.7") == []


def test_each_release_holds_exactly_the_live_records_when_nothing_changed_since(seeded, client):
    latest = Release.objects.order_by("sequence").last()
    for path, key in (
        ("/api/v1/batches/", "slug"),
        ("/api/v1/occupations/", "id"),
        ("/api/v1/standards/", "id"),
    ):
        then = _all(client, path, release=latest.version)
        # A release is read in id order (slug order for batches); the live lists in theirs.
        assert then == sorted(then, key=lambda r: r[key] if key == "id" else 0)
        assert sorted(then, key=lambda r: r[key]) == sorted(
            _all(client, path), key=lambda r: r[key]
        )


def test_since_release_up_to_a_release_gives_only_what_changed_between(seeded, client):
    occupations = _all(client, "/api/v1/occupations/", release="2026.2", since_release="2026.1")
    assert len(occupations) == 16
    assert {o["batch"]["slug"] for o in occupations} == {"second-batch-2020"}


def test_a_batch_detail_in_a_release_lists_its_occupations_then(seeded, client):
    live = client.get("/api/v1/batches/first-batch-2019/").json()
    then = client.get("/api/v1/batches/first-batch-2019/", {"release": "2026.1"}).json()
    assert then == {**live, "occupations": sorted(live["occupations"], key=lambda o: o["id"])}
    missing = client.get("/api/v1/batches/second-batch-2020/", {"release": "2026.1"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/occupations/", {"release": "2031.4"}, "release"),
        ("/api/v1/occupations/", {"release": "latest"}, "release"),
        ("/api/v1/occupations/", {"release": ""}, "release"),
        ("/api/v1/batches/", {"since_release": "1999.1"}, "since_release"),
        ("/api/v1/standards/1/", {"release": "2031.4"}, "release"),
        ("/api/v1/occupations/1/", {"since_release": "2026.1"}, "since_release"),
        ("/api/v1/occupations/", {"release": "2026.1", "q": "data"}, "q"),
        ("/api/v1/occupations/", {"release": "2026.1", "since_release": "2026.2"}, "since_release"),
    ],
)
def test_unknown_or_misused_versions_are_a_400_naming_the_parameter(
    seeded, client, path, params, parameter
):
    response = client.get(path, params)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_release_is_read_in_any_language_with_the_labels_it_recorded(seeded, client, lang):
    recorded = client.get("/api/v1/occupations/", {"release": "2026.1"})
    asked = client.get("/api/v1/occupations/", {"release": "2026.1", "lang": lang})
    assert asked.status_code == 200
    # The language the release recorded its labels in first, whatever was asked.
    assert asked["Content-Language"] == recorded["Content-Language"]
    assert recorded["Content-Language"].split(", ")[0] == settings.LANGUAGE_CODE
    assert asked.json()["results"] == recorded.json()["results"]


def test_a_release_list_as_csv_has_the_live_columns(seeded, client):
    response = client.get("/api/v1/occupations/", {"release": "2026.1", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:5] == ["id", "code", "name", "name_language", "alternative_names"]
    assert len(rows) == 13
    assert AI_TECHNICIANS in {row[2] for row in rows}
