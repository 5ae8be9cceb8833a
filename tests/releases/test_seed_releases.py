"""The seed history as releases, and the registry read as it was in each."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.utils import timezone

from occupations.models import Occupation, Release, iso_date
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


def test_the_seed_history_loads_as_releases_in_the_historys_order_and_dates(seeded):
    releases = list(Release.objects.order_by("sequence"))
    notes = [release.note for release in releases]
    assert [(r.version, iso_date(r.dated_on, r.dated_precision), r.history) for r in releases] == [
        ("2019.1", "2019-04", True),
        ("2020.1", "2020-02", True),
        ("2020.2", "2020-06", True),
        ("2021.1", "2021-03", True),
        ("2021.2", None, True),  # the standards: the sources give no date
        ("2022.1", "2022-06-14", True),
        ("2024.1", "2024", True),
    ]
    assert notes[0].startswith("Seed history: ") and "first" in notes[0].lower()
    # The standards come after the last batch of their occupations, with the reason.
    assert notes[4].startswith("Seed history: National occupational skill standards. Placed")
    assert "undated" in notes[4]
    assert [r.added_count for r in releases[:5]] == [1 + 13, 1 + 16, 1 + 9, 1 + 18, 10]
    # One date per citation: the history's, never the moment of loading.
    assert releases[0].citation == "Occupation registry, release 2019.1 (2019-04)."
    assert releases[4].citation == (
        "Occupation registry, release 2021.2 (date not stated in the sources)."
    )


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
    # Published releases are never rewritten: on a registry that has releases, a correction
    # is an ordinary release of the current year.
    assert correction.version == f"{timezone.localtime().year}.1"
    assert (correction.history, correction.dated_on) == (False, None)
    assert (correction.added_count, correction.changed_count, correction.removed_count) == (
        0,
        1,
        0,
    )
    occupation = Occupation.objects.get(name=AI_TECHNICIANS)

    detail = client.get(f"/api/v1/releases/{correction.version}/").json()
    assert detail["previous"] == "2024.1"
    assert detail["changes"] == [
        {
            "record_type": "occupation",
            "id": str(occupation.pk),
            "action": "changed",
            "fields": [{"name": "definition", "old": old, "new": "Corrected definition."}],
        }
    ]
    before = client.get(f"/api/v1/occupations/{occupation.pk}/", {"release": "2019.1"}).json()
    after = client.get(
        f"/api/v1/occupations/{occupation.pk}/", {"release": correction.version}
    ).json()
    live = client.get(f"/api/v1/occupations/{occupation.pk}/").json()
    assert before["definition"] == old
    assert before["standards"] == []
    assert after == live
    assert after["definition"] == "Corrected definition."

    since = _all(client, "/api/v1/occupations/", since_release="2024.1")
    assert [o["id"] for o in since] == [occupation.pk]
    assert _all(client, "/api/v1/batches/", since_release="2024.1") == []


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
    occupations = _all(client, "/api/v1/occupations/", release="2020.1", since_release="2019.1")
    assert len(occupations) == 16
    assert {o["batch"]["slug"] for o in occupations} == {"second-batch-2020"}


def test_a_batch_detail_in_a_release_lists_its_occupations_then(seeded, client):
    live = client.get("/api/v1/batches/first-batch-2019/").json()
    then = client.get("/api/v1/batches/first-batch-2019/", {"release": "2019.1"}).json()
    assert then == {**live, "occupations": sorted(live["occupations"], key=lambda o: o["id"])}
    missing = client.get("/api/v1/batches/second-batch-2020/", {"release": "2019.1"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/occupations/", {"release": "2031.4"}, "release"),
        ("/api/v1/occupations/", {"release": "latest"}, "release"),
        ("/api/v1/occupations/", {"release": ""}, "release"),
        ("/api/v1/batches/", {"since_release": "1999.1"}, "since_release"),
        ("/api/v1/standards/1/", {"release": "2031.4"}, "release"),
        ("/api/v1/occupations/1/", {"since_release": "2019.1"}, "since_release"),
        ("/api/v1/occupations/", {"release": "2019.1", "q": "data"}, "q"),
        ("/api/v1/occupations/", {"release": "2019.1", "since_release": "2020.1"}, "since_release"),
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
    recorded = client.get("/api/v1/occupations/", {"release": "2019.1"})
    asked = client.get("/api/v1/occupations/", {"release": "2019.1", "lang": lang})
    assert asked.status_code == 200
    # The language the release recorded its labels in first, whatever was asked.
    assert asked["Content-Language"] == recorded["Content-Language"]
    assert recorded["Content-Language"].split(", ")[0] == settings.LANGUAGE_CODE
    assert asked.json()["results"] == recorded.json()["results"]


def test_a_release_list_as_csv_has_the_live_columns(seeded, client):
    response = client.get("/api/v1/occupations/", {"release": "2019.1", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:5] == ["id", "code", "name", "name_language", "alternative_names"]
    assert len(rows) == 13
    assert AI_TECHNICIANS in {row[2] for row in rows}
