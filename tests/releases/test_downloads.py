"""A release's downloads: built by the worker, they parse, match the API record for record,
match their manifest, and are served for good from /downloads/<version>/."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from core.api.renderers import csv_lines
from occupations import downloads
from occupations.data_dictionary import COLUMNS
from occupations.models import Release
from occupations.releases import REGISTRY
from occupations.workflow import issue_release
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

FILES = {
    "batches.csv",
    "occupations.csv",
    "standards.csv",
    "registry.xlsx",
    "registry.json",
    "README",
    "SHA256SUMS",
}


@pytest.fixture
def built(seeded):
    run_queued_tasks()
    return Release.objects.order_by("sequence")


def _get(client, version, name):
    response = client.get(f"/downloads/{version}/{name}")
    assert response.status_code == 200, name
    return response, b"".join(response.streaming_content)


def _api(client, path, version):
    records, page = [], 1
    while True:
        body = client.get(path, {"release": version, "page": page, "page_size": 500}).json()
        records += body["results"]
        if not body["next"]:
            return records
        page += 1


def _without_host(records):
    for record in records:
        if "url" in record:
            record["url"] = record["url"].removeprefix("http://testserver")
        for nested in record.get("occupations", []):
            nested["url"] = nested["url"].removeprefix("http://testserver")
    return records


def test_the_worker_builds_every_file_of_every_release(built):
    assert {"2019.1", "2024.1"} <= {release.version for release in built}
    for release in built:
        assert {f["name"] for f in release.downloads} == FILES
        assert release.downloads_built_at is not None


@pytest.mark.parametrize("version", ["2019.1", "2024.1"])
def test_the_files_parse_and_match_the_api_record_for_record(built, client, version):
    _, raw = _get(client, version, "registry.json")
    document = json.loads(raw)
    assert document["release"]["version"] == version
    workbook = load_workbook(io.BytesIO(_get(client, version, "registry.xlsx")[1]), read_only=True)
    for records in REGISTRY:
        api = _without_host(_api(client, f"/api/v1/{records.plural}/", version))
        assert document[records.plural] == api
        _, csv_raw = _get(client, version, f"{records.plural}.csv")
        assert csv_raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(csv_raw.decode("utf-8-sig"))))
        assert rows[0] == records.csv_columns
        assert len(rows) - 1 == len(api)
        # The same cells as the API's CSV of the same release.
        expected = "".join(csv_lines(records.csv_columns, api)).encode()
        assert csv_raw == expected
        sheet = list(workbook[records.plural].iter_rows(values_only=True))
        assert list(sheet[0]) == records.csv_columns
        assert [["" if v is None else str(v) for v in row] for row in sheet[1:]] == [
            [str(v) for v in row] for row in rows[1:]
        ]


def test_the_hashes_match_the_manifest(built, client):
    _, manifest = _get(client, "2024.1", "SHA256SUMS")
    listed = dict(reversed(line.split("  ", 1)) for line in manifest.decode().splitlines() if line)
    assert set(listed) == FILES - {"SHA256SUMS"}
    for name, digest in listed.items():
        _, content = _get(client, "2024.1", name)
        assert hashlib.sha256(content).hexdigest() == digest


def test_the_readme_describes_every_column(built, client):
    _, readme = _get(client, "2024.1", "README")
    text = readme.decode()
    for records in REGISTRY:
        for column in records.csv_columns:
            assert column in COLUMNS[records.plural], f"{records.plural}.{column} undescribed"
            assert f"  {column}: {COLUMNS[records.plural][column]}" in text
    assert "Licence" in text and "How to cite" in text
    # Dates are described as they are written: at their precision, never as a day.
    assert "2019-04 for a" in text and "2024 for a year" in text
    assert "given as the month's first day" not in text
    assert "empty marker (green, digital) is not known, not false" in text


def test_the_readme_is_english_and_says_so(built, client):
    latest = Release.objects.order_by("-sequence").first().version
    response = client.get(f"/downloads/{latest}/README", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Language"] == "en"  # the file's language, not the request's
    assert downloads.content_language("README") == "en"
    assert downloads.content_language("SHA256SUMS") is None
    assert downloads.content_language("occupations.csv") == "zh-hans, en"


def test_a_rebuild_gives_the_same_bytes(built):
    release = built.first()
    before = {f["name"]: f["sha256"] for f in release.downloads}
    # Later: nothing of the time of building may reach the files.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3, seconds=7)):
        downloads.build(release.pk)
    release.refresh_from_db()
    assert {f["name"]: f["sha256"] for f in release.downloads} == before


def test_files_are_served_with_long_lived_caching(built, client):
    response, _ = _get(client, "2019.1", "occupations.csv")
    assert "immutable" in response["Cache-Control"]
    assert "max-age=31536000" in response["Cache-Control"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["ETag"].strip('"') == next(
        f["sha256"] for f in built.first().downloads if f["name"] == "occupations.csv"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/downloads/2031.1/registry.json",
        "/downloads/2019.1/secret.txt",
        "/downloads/2019.1/..%2F..%2Fsettings.py",
        "/downloads/2019.1/%2e%2e",
    ],
)
def test_unknown_files_are_404(built, client, path):
    assert client.get(path).status_code == 404


def test_files_not_built_yet_are_404_and_the_page_says_they_are_coming(seeded, client):
    assert client.get("/downloads/2019.1/registry.json").status_code == 404
    page = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en")
    assert "being built" in page.content.decode()


def test_the_data_page_lists_releases_downloads_licence_and_citation(built, client):
    page = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    for release in built:
        assert f'id="release-{release.version}"' in text
    assert "/downloads/2024.1/registry.xlsx" in text
    assert "CC BY 4.0" in text
    assert "Occupation registry, release 2024.1" in text
    assert client.get("/downloads/2024.1/").url == "/data/#release-2024.1"


def test_the_release_api_links_the_downloads(built, client):
    body = client.get("/api/v1/releases/2019.1/").json()
    assert body["counts"] == {"added": 14, "changed": 0, "removed": 0}
    json_file = next(f for f in body["downloads"] if f["name"] == "registry.json")
    assert json_file["url"] == "http://testserver/downloads/2019.1/registry.json"
    listing = client.get("/api/v1/releases/").json()
    assert [r["version"] for r in listing["results"]][:2] == ["2024.1", "2022.1"]
    latest = client.get("/api/v1/releases/2024.1/").json()
    assert listing["results"][0]["changes"] == latest["changes"]
    assert listing["results"][-1]["downloads"] == body["downloads"]


def test_the_releases_feed_lists_each_release(built, client):
    response = client.get("/feeds/releases/atom/", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("<entry>") == 7
    assert "Release 2024.1" in text
    assert "release:2019.1" in text


def test_the_sweep_builds_the_files_of_a_release_whose_task_was_lost(publisher):
    from django_tasks_db.models import DBTaskResult

    from consult.schedules import sweep
    from tests.factories import OccupationFactory

    OccupationFactory()
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        release = issue_release(by=publisher, note="Its task is lost.")  # never committed here
    assert not DBTaskResult.objects.filter(task_path__endswith="build_release_downloads").exists()
    with time_machine.travel(issued + dt.timedelta(minutes=5)):
        assert sweep.call()["downloads_requeued"] == 0
    with time_machine.travel(issued + dt.timedelta(minutes=16)):
        assert sweep.call()["downloads_requeued"] == 1
    run_queued_tasks()
    release.refresh_from_db()
    assert {f["name"] for f in release.downloads} == FILES
