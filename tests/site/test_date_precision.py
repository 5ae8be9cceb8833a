"""No date known only to the month or the year is shown as a day: not in any serializer of the
API (a date there always travels with its precision), its CSV, the staff export, the public
pages, the feeds or the admin lists."""

from __future__ import annotations

import csv
import datetime as dt
import html
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
    # Named without its year: a page that shows the name must not seem to show the date.
    OccupationFactory(batch=year, name="Occupation of the later batch")
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


def precise_form(day: dt.date, language: str) -> str:
    """``day`` as it is shown at its precision: the month ("April 2019", "2019年4月") or the
    year ("2024")."""
    if day == YEAR_2024:
        return str(day.year)
    with translation.override(language):
        return formats.date_format(day, "YEAR_MONTH_FORMAT")


def visible_text(page: str) -> str:
    """What a reader sees of a page or a feed: its text, without scripts, styles, the options
    of its form controls (a year filter lists years) or markup."""
    page = re.sub(r"<(script|style|select)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def assert_shown_at_its_precision(text: str, days, language: str, where: str) -> None:
    """Each of ``days`` is shown in ``text`` at its precision, on its own: not as part of an
    address ("/batches/in-2024/") or of a longer date."""
    shown = visible_text(text)
    for day in days:
        form = precise_form(day, language)
        assert re.search(rf"(?<![\d/-]){re.escape(form)}(?![\d/-])", shown), (where, form)


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


def registry_endpoints(client: Client, *, csv: bool = False) -> list[str]:
    """Every list and detail address of the registry's viewsets (the router's own list); with
    ``csv``, only those that give CSV (a one-document resource, the classification, does not)."""
    urls = []
    for prefix, viewset, _basename in router.registry:
        if "(?P<" in prefix or prefix == "consultations":
            continue
        listing = f"/api/v1/{prefix}/"
        if getattr(viewset, "routed_actions", None) == ("list",):  # one document, no pages
            if not csv:
                urls.append(listing)
            continue
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
    columns_checked = dates_checked = 0
    occupations = []
    for url in registry_endpoints(client, csv=True):
        response = client.get(url, {"format": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text)))
        dates = [column for column in header if column.endswith("_on")]
        rows = list(csv.DictReader(io.StringIO(text)))
        for column in dates:
            precision = column.removesuffix("_on") + "_precision"
            assert precision in header, (url, column)
            columns_checked += 1
            for row in rows:
                if row[column]:
                    assert row[precision] in {"day", "month", "year"}, (url, column, row)
                    dates_checked += 1
        if url == "/api/v1/occupations/":
            occupations = rows
    # Batches, occupations and standards, each as a list and one by one.
    assert columns_checked >= 8
    assert dates_checked >= 8
    april = next(row for row in occupations if row["code"] == "2-02-10-09")
    assert april["batch.announced_on"] == "2019-04-01"
    assert april["batch.announced_precision"] == "month"
    years = [row for row in occupations if row["batch.announced_on"] == "2024-01-01"]
    assert [row["batch.announced_precision"] for row in years] == ["year"]


def test_the_staff_export_carries_the_precision(imprecise, superuser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    response = client.get("/admin/occupations/occupation/export/csv/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))

    april = next(r for r in rows if r["code"] == "2-02-10-09")
    assert april["announced on"] == "2019-04-01"
    assert april["announcement date precision"] == "month"
    years = [r for r in rows if r["announced on"] == "2024-01-01"]
    assert [r["announcement date precision"] for r in years] == ["year"]


# Pages, feeds and the admin: the date as the source gives it --------------------------------


def shown_dates(occupation) -> dict[str, tuple[dt.date, ...]]:
    """Each page and feed, and the imprecise dates it shows."""
    return {
        "/": (APRIL_2019, YEAR_2024),
        "/occupations/": (APRIL_2019, YEAR_2024),
        f"/occupations/{occupation.pk}/": (APRIL_2019, MAY_2021),
        "/batches/april-2019/": (APRIL_2019,),
        "/batches/in-2024/": (YEAR_2024,),
        "/feeds/batches/": (APRIL_2019, YEAR_2024),
        "/feeds/batches/atom/": (APRIL_2019, YEAR_2024),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_and_feeds_show_the_month_or_year_only(imprecise, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for url, days in shown_dates(imprecise).items():
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert_no_day_shown(text, f"{language} {url}")
        assert_shown_at_its_precision(text, days, language, f"{language} {url}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_lists_show_the_month_or_year_only(imprecise, language):
    staff = UserFactory(username="admin-reader", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(staff)
    standard = imprecise.standards.get()
    # Each page, the dates it shows, and how many date inputs it has.
    pages = {
        "/admin/occupations/batch/": ((APRIL_2019, YEAR_2024), 0),
        f"/admin/occupations/batch/{imprecise.batch.pk}/change/": ((APRIL_2019,), 0),
        "/admin/occupations/skillstandard/": ((MAY_2021,), 0),
        # The standard's date is shown only in its input.
        f"/admin/occupations/skillstandard/{standard.pk}/change/": ((), 1),
        f"/admin/occupations/occupation/{imprecise.pk}/change/": ((MAY_2021,), 0),
    }
    for url, (days, inputs) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        # The change form's date input holds the stored date on purpose: it is what is edited.
        text, removed = re.subn(
            r'<input[^>]*name="[^"]*(announced_on|issued_on)"[^>]*>', "", response.content.decode()
        )
        assert removed == inputs, url
        assert_no_day_shown(text, f"{language} {url}")
        assert_shown_at_its_precision(text, days, language, f"{language} {url}")


@pytest.mark.parametrize(
    ("url", "date"), [("/batches/april-2019/", "2019-04"), ("/batches/in-2024/", "2024")]
)
def test_json_ld_dates_are_as_precise_as_their_source(imprecise, url, date):
    text = Client().get(url).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    dates = [json.loads(block).get("datePublished") for block in blocks]
    assert date in dates
