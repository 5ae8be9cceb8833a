"""No date known only to the month or the year is shown as a day: not in any serializer of the
API (a date there always travels with its precision), its CSV, the staff export, the public
pages, the feeds or the admin lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.utils import formats, translation

from config.api import router
from occupations.workflow import attach_skill_standard
from tests.factories import BatchFactory, OccupationFactory, UserFactory

pytestmark = pytest.mark.django_db

APRIL_2019 = dt.date(2019, 4, 1)
YEAR_2024 = dt.date(2024, 1, 1)
MAY_2021 = dt.date(2021, 5, 1)
LANGUAGES = ("zh-hans", "en")


@pytest.fixture
def imprecise(superuser):
    """A batch of April 2019, one of 2024, and a standard issued in May 2021."""
    april = BatchFactory(slug="april-2019", announced_on=APRIL_2019, announced_precision="month")
    year = BatchFactory(slug="in-2024", announced_on=YEAR_2024, announced_precision="year")
    first = OccupationFactory(batch=april, code="2-02-10-09", name="人工智能工程技术人员")
    OccupationFactory(batch=year, name="Occupation of 2024")
    attach_skill_standard(
        first,
        by=superuser,
        title="国家职业技能标准",
        kind="technical",
        issued_on=MAY_2021,
        issued_precision="month",
    )
    return first


def day_renderings(day: dt.date) -> set[str]:
    """Every way the project could show ``day`` as a day, in either language."""
    shown = {
        day.isoformat(),
        day.strftime("%d %b %Y"),  # RSS dates
        day.strftime("%Y/%m/%d"),
        f"{day.year}年{day.month}月{day.day}日",
    }
    for language in LANGUAGES:
        with translation.override(language):
            shown.add(formats.date_format(day, "DATE_FORMAT"))
            shown.add(formats.date_format(day, "SHORT_DATE_FORMAT"))
    return shown


IMPRECISE_DAYS = {APRIL_2019: "April 2019", YEAR_2024: "2024", MAY_2021: "May 2021"}


def assert_no_day_shown(text: str, where: str) -> None:
    for day in IMPRECISE_DAYS:
        for rendering in day_renderings(day):
            assert rendering not in text, (where, rendering)


# The API: every date travels with its precision -------------------------------------------


def dated_objects(value, path="$"):
    """(path, object) for every object of a JSON document that holds a date ``…_on``."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from dated_objects(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        if any(key.endswith("_on") for key in value):
            yield path, value
        for key, item in value.items():
            yield from dated_objects(item, f"{path}.{key}")


def registry_endpoints(client: Client) -> list[str]:
    """Every list and detail address of the registry's viewsets (the router's own list)."""
    urls = []
    for prefix, viewset, _basename in router.registry:
        if "(?P<" in prefix or prefix == "consultations":
            continue
        listing = f"/api/v1/{prefix}/"
        urls.append(listing)
        lookup = "id" if viewset.lookup_field == "pk" else viewset.lookup_field
        for record in client.get(listing, {"page_size": 500}).json()["results"]:
            urls.append(f"{listing}{record[lookup]}/")
    return urls


def test_every_api_date_carries_its_precision(imprecise):
    client = Client()
    endpoints = registry_endpoints(client)
    assert len(endpoints) >= 3 + 2 + 2 + 1
    checked = 0
    for url in endpoints:
        body = client.get(url).json()
        for path, record in dated_objects(body):
            for key in [k for k in record if k.endswith("_on")]:
                precision = key.removesuffix("_on") + "_precision"
                assert precision in record, (url, path, key)
                checked += 1
    # The nested batch of each occupation, each batch, the standard.
    assert checked >= 4


def test_nested_batches_say_april_2019_is_a_month(imprecise):
    body = Client().get(f"/api/v1/occupations/{imprecise.pk}/").json()

    assert body["batch"]["announced_on"] == "2019-04-01"
    assert body["batch"]["announced_precision"] == "month"


def test_every_api_csv_date_column_has_its_precision_column(imprecise):
    client = Client()
    for url in registry_endpoints(client):
        response = client.get(url, {"format": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text)))
        dates = [column for column in header if column.endswith("_on")]
        for column in dates:
            precision = column.removesuffix("_on") + "_precision"
            assert precision in header, (url, column)
        rows = list(csv.DictReader(io.StringIO(text)))
        if url.startswith("/api/v1/occupations/") and url.endswith("/occupations/"):
            april = next(r for r in rows if r["code"] == "2-02-10-09")
            assert april["batch.announced_precision"] == "month"


def test_the_staff_export_carries_the_precision(imprecise, superuser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    response = client.get("/admin/occupations/occupation/export/csv/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))

    april = next(r for r in rows if r["code"] == "2-02-10-09")
    assert april["announcement date precision"] == "month"


# Pages, feeds and the admin: the date as the source gives it --------------------------------


def page_urls(occupation) -> list[str]:
    batches = {"/batches/april-2019/", "/batches/in-2024/"}
    return [
        "/",
        "/occupations/",
        f"/occupations/{occupation.pk}/",
        *sorted(batches),
        "/feeds/batches/",
        "/feeds/batches/atom/",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_and_feeds_show_the_month_or_year_only(imprecise, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    shown = ""
    for url in page_urls(imprecise):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert_no_day_shown(text, f"{language} {url}")
        shown += text
    with translation.override(language):
        assert formats.date_format(APRIL_2019, "YEAR_MONTH_FORMAT") in shown
        assert formats.date_format(MAY_2021, "YEAR_MONTH_FORMAT") in shown
    assert re.search(r"\b2024\b", shown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_lists_show_the_month_or_year_only(imprecise, language):
    staff = UserFactory(username="admin-reader", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(staff)
    standard = imprecise.standards.get()
    for url in (
        "/admin/occupations/batch/",
        f"/admin/occupations/batch/{imprecise.batch.pk}/change/",
        "/admin/occupations/skillstandard/",
        f"/admin/occupations/skillstandard/{standard.pk}/change/",
        f"/admin/occupations/occupation/{imprecise.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        # The change form's date input holds the stored date on purpose: it is what is edited.
        text = response.content.decode()
        text = re.sub(r'<input[^>]*name="[^"]*(announced_on|issued_on)"[^>]*>', "", text)
        assert_no_day_shown(text, f"{language} {url}")


def test_json_ld_dates_are_as_precise_as_their_source(imprecise):
    text = Client().get("/batches/april-2019/").content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    dates = [json.loads(block).get("datePublished") for block in blocks]
    assert "2019-04" in dates
