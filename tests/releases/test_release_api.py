"""``/api/v1/releases/``: the list and the detail both carry each release's changes, and the
list reads them in a number of queries that does not grow with the releases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from occupations.workflow import issue_release
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db


def issue_releases(publisher, count: int) -> list:
    """``count`` releases: the first adds a batch and an occupation, each later one renames
    that occupation."""
    occupation = OccupationFactory(batch=BatchFactory(), position=1)
    releases = [issue_release(by=publisher, note="First.")]
    for number in range(2, count + 1):
        occupation.name = f"Name {number}"
        occupation.save()
        releases.append(issue_release(by=publisher, note=f"Release {number}."))
    return releases


def queries(client, url: str, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_the_list_carries_each_releases_changes_as_the_detail_does(client, publisher):
    first, second = issue_releases(publisher, 2)
    occupation_id = str(second.records.get().record_id)

    listing = client.get("/api/v1/releases/").json()["results"]
    detail = client.get(f"/api/v1/releases/{second.version}/").json()

    assert [r["version"] for r in listing] == [second.version, first.version]
    assert (
        listing[0]["changes"]
        == detail["changes"]
        == [
            {
                "record_type": "occupation",
                "id": occupation_id,
                "action": "changed",
                "fields": [
                    {
                        "name": "name",
                        "old": first.records.get(record_type="occupation").data["name"],
                        "new": "Name 2",
                    }
                ],
            }
        ]
    )
    assert [(c["record_type"], c["action"], c["fields"]) for c in listing[1]["changes"]] == [
        ("batch", "added", []),
        ("occupation", "added", []),
    ]
    assert {k: v for k, v in detail.items() if k != "previous"} == listing[0]
    assert detail["previous"] == first.version


def test_the_list_reads_the_changes_in_as_many_queries_for_one_release_as_for_ten(
    client, publisher
):
    issue_releases(publisher, 10)

    at_one, one = queries(client, "/api/v1/releases/", page_size=1)
    at_ten, ten = queries(client, "/api/v1/releases/", page_size=10)

    assert len(one["results"]) == 1 and len(ten["results"]) == 10
    assert all(release["changes"] for release in ten["results"])
    # aggregate for the validators (and the page count), page, changes
    assert at_one == at_ten == 3


def test_the_list_as_csv_has_no_changes_column(client, publisher):
    issue_releases(publisher, 2)

    response = client.get("/api/v1/releases/", {"format": "csv"})

    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header == "version,issued_at,note,counts.added,counts.changed,counts.removed,url"
