"""Published changes through the API and the releases: an occupation's version, its versions
list, lineage both ways, and a retired occupation resolvable at its URL and in ``?release=``
reads of releases before its retirement."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation
from consult.workflow.publication import publish_consultation
from occupations.models import OccupationVersion
from occupations.workflow import issue_release
from tests.factories import ConsultationFactory, DraftOccupationFactory, OccupationFactory

pytestmark = pytest.mark.django_db

K = DraftOccupation.Kind
URL = "/api/v1/occupations/"


@pytest.fixture
def retired_after_release(publisher, window):
    """An occupation released at version 1, then retired (merged into another) by a
    consultation, then a second release."""
    marketer = OccupationFactory(name="互联网营销师", code="4-01-02-07")
    successor = OccupationFactory(name="网络营销员", code="4-01-02-08")
    for occupation in (marketer, successor):
        OccupationVersion.objects.first_of(occupation)
    before = issue_release(by=publisher, note="Before.")
    consultation = ConsultationFactory(
        status=Consultation.Status.REVIEW, opens_at=window[0], closes_at=window[1], slug="merge"
    )
    retirement = DraftOccupationFactory(
        consultation=consultation,
        position=1,
        status=DraftOccupation.Status.ACCEPTED,
        kind=K.RETIREMENT,
        target=marketer,
        name=marketer.name,
        successor_relation="merged_into",
    )
    retirement.successors.set([successor])
    batch = publish_consultation(
        consultation,
        by=publisher,
        now=window[1] + dt.timedelta(days=30),
        slug="merge-2026",
        title="Merge 2026",
        announced_on=dt.date(2026, 9, 1),
        announced_precision="month",
    )
    after = issue_release(by=publisher, note="After.")
    return {
        "marketer": marketer,
        "successor": successor,
        "batch": batch,
        "before": before,
        "after": after,
    }


def test_a_retired_occupation_resolves_marked_retired_with_its_successors(
    client, retired_after_release
):
    marketer = retired_after_release["marketer"]
    successor = retired_after_release["successor"]
    record = client.get(f"{URL}{marketer.pk}/").json()
    assert (record["version"], record["retired"], record["retired_in"]) == (2, True, "merge-2026")
    assert record["replaced_by"] == [
        {"kind": "merged_into", "occupation": successor.pk, "batch": "merge-2026"}
    ]
    other = client.get(f"{URL}{successor.pk}/").json()
    assert other["replaces"] == [
        {"kind": "merged_into", "occupation": marketer.pk, "job_type": None, "batch": "merge-2026"}
    ]
    assert (other["version"], other["retired"], other["retired_in"]) == (1, False, None)


def test_a_retired_occupation_is_in_the_releases_before_its_retirement(
    client, retired_after_release
):
    marketer = retired_after_release["marketer"]
    before = retired_after_release["before"].version
    after = retired_after_release["after"].version
    old = client.get(f"{URL}{marketer.pk}/", {"release": before})
    assert old.status_code == 200, old.content
    assert (old.json()["retired"], old.json()["version"]) == (False, 1)
    new = client.get(f"{URL}{marketer.pk}/", {"release": after}).json()
    assert (new["retired"], new["version"]) == (True, 2)
    # The release lists the retired record, changed, with the fields that changed.
    release = client.get(f"/api/v1/releases/{after}/").json()
    changes = {(c["id"], c["action"]): c for c in release["changes"]}
    retired = changes[(str(marketer.pk), "changed")]
    fields = {f["name"]: (f["old"], f["new"]) for f in retired["fields"]}
    assert fields["retired"] == (False, True)
    assert fields["retired_in"] == (None, "merge-2026")
    assert fields["version"] == (1, 2)


def test_the_versions_list_gives_each_version_with_batch_consultation_and_changes(
    client, retired_after_release
):
    marketer = retired_after_release["marketer"]
    response = client.get(f"{URL}{marketer.pk}/versions/")
    assert response.status_code == 200, response.content
    versions = response.json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["batch"] == marketer.batch.slug
    assert versions[0]["consultation"] is None
    assert versions[0]["changes"]["name"] == {"old": None, "new": "互联网营销师"}
    assert versions[1]["batch"] == "merge-2026"
    assert versions[1]["consultation"] == "merge"
    assert versions[1]["retired"] is True
    assert versions[1]["text"]["name"] == "互联网营销师"
    # JSON only, as documented: a CSV is refused by name, not JSON sent as text/csv.
    refused = client.get(f"{URL}{marketer.pk}/versions/", {"format": "csv"})
    assert refused.status_code in (400, 404)
    assert not refused["Content-Type"].startswith("text/csv")


def test_the_versions_of_an_unknown_occupation_are_404(client, db):
    assert client.get(f"{URL}999999/versions/").status_code == 404


@pytest.mark.parametrize(
    ("language", "retired_text", "taken_by", "first"),
    [
        ("en", "This occupation was retired by", "Its place was taken by:", "first published"),
        ("zh-hans", "本职业已由", "承继它的职业：", "首次发布"),
    ],
)
def test_a_retired_occupations_page_resolves_with_its_banner_and_versions(
    client, retired_after_release, language, retired_text, taken_by, first
):
    marketer = retired_after_release["marketer"]
    successor = retired_after_release["successor"]
    response = client.get(marketer.get_absolute_url(), {"lang": language})
    assert response.status_code == 200
    page = response.content.decode()
    assert retired_text in page
    assert taken_by in page
    assert successor.get_absolute_url() in page
    assert 'id="versions"' in page
    assert first in page
    # The successor's page has no banner, only its version 1.
    other = client.get(successor.get_absolute_url(), {"lang": language}).content.decode()
    assert 'id="retired"' not in other
    assert first in other
