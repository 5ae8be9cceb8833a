"""No date known only to the month or the year is written as a day, anywhere the project
writes one: every serializer of the API (JSON and CSV, live and as of a release), every
release download (CSV, XLSX, JSON, README), the staff export, every feed, every JSON-LD block,
the public pages and the admin lists. Each date is written at its precision instead:
``2019-04`` for April 2019, ``2024`` for 2024 (``occupations.models.iso_date``)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import zipfile

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import formats, translation
from openpyxl import load_workbook

from config.api import router
from occupations import downloads
from occupations.models import ClassificationEdition
from occupations.workflow import attach_skill_standard, issue_release
from tests.factories import BatchFactory, OccupationFactory, UserFactory

pytestmark = pytest.mark.django_db

APRIL_2019 = dt.date(2019, 4, 1)
YEAR_2024 = dt.date(2024, 1, 1)
MAY_2021 = dt.date(2021, 5, 1)
YEAR_2020 = dt.date(2020, 1, 1)
SEPTEMBER_2022 = dt.date(2022, 9, 1)
YEAR_2015 = dt.date(2015, 1, 1)
LANGUAGES = ("zh-hans", "en")


@pytest.fixture
def imprecise(superuser):
    """A batch of April 2019 and one of 2024; a standard issued in May 2021 and one in 2020;
    the classification's editions of September 2022 and of 2015."""
    april = BatchFactory(slug="april-2019", announced_on=APRIL_2019, announced_precision="month")
    year = BatchFactory(slug="in-2024", announced_on=YEAR_2024, announced_precision="year")
    first = OccupationFactory(batch=april, code="2-02-10-09", name="人工智能工程技术人员")
    # Named without its year: a page that shows the name must not seem to show the date.
    later = OccupationFactory(batch=year, name="Occupation of the later batch")
    attach_skill_standard(
        first,
        by=superuser,
        title="国家职业技能标准",
        kind="technical",
        issued_on=MAY_2021,
        issued_precision="month",
    )
    attach_skill_standard(
        later,
        by=superuser,
        title="Standard of a year",
        kind="skill",
        issued_on=YEAR_2020,
        issued_precision="year",
    )
    ClassificationEdition.objects.create(
        year=2022, issued_on=SEPTEMBER_2022, issued_precision="month"
    )
    ClassificationEdition.objects.create(year=2015, issued_on=YEAR_2015, issued_precision="year")
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


IMPRECISE_DAYS = {
    APRIL_2019: "2019-04",
    YEAR_2024: "2024",
    MAY_2021: "2021-05",
    YEAR_2020: "2020",
    SEPTEMBER_2022: "2022-09",
    YEAR_2015: "2015",
}


def assert_no_day_shown(text: str, where: str) -> None:
    for day in IMPRECISE_DAYS:
        for rendering in day_renderings(day):
            assert rendering not in text, (where, rendering)
    # An XLSX cell that holds a date as a date (a serial number): 2019-04-01 is 43556.
    assert not isinstance(text, dt.date), where


def precise_form(day: dt.date, language: str) -> str:
    """``day`` as it is shown at its precision: the month ("April 2019", "2019年4月") or the
    year ("2024")."""
    if day in (YEAR_2024, YEAR_2020, YEAR_2015):
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


def body(response) -> str:
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def api_endpoints(client: Client, **params) -> list[str]:
    """Every list and detail address of every viewset the API's router has (the
    consultations' comments are reached through their consultation)."""
    urls = []
    for prefix, viewset, _basename in router.registry:
        if "(?P<" in prefix or not hasattr(viewset, "list"):  # no list: a comment's proof
            continue
        listing = f"/api/v1/{prefix}/"
        urls.append(listing)
        if is_one_document(viewset):
            continue
        lookup = viewset.lookup_field
        records = client.get(listing, {"page_size": 500, **params}).json()["results"]
        for record in records:
            key = record.get("id" if lookup == "pk" else lookup)
            if key is not None:
                urls.append(f"{listing}{key}/")
    return urls


def is_one_document(viewset) -> bool:
    """A resource that is one JSON document (the classification): no pages, no CSV."""
    return getattr(viewset, "routed_actions", None) == ("list",)


ONE_DOCUMENTS = {f"/api/v1/{p}/" for p, v, _b in router.registry if is_one_document(v)}


def the_precise_forms_in(text: str, where: str) -> set[str]:
    return {form for form in IMPRECISE_DAYS.values() if f'"{form}"' in text or form in text}


# Every machine-readable output --------------------------------------------------------------


def test_no_api_serializer_writes_a_month_or_year_as_a_day(imprecise, superuser):
    client = Client()
    release = issue_release(by=superuser, note="Dates.")
    endpoints = api_endpoints(client)
    assert len(endpoints) >= 4 + 3 + 3 + 2
    written = set()
    for url in endpoints:
        for params in ({}, {"format": "csv"}, {"lang": "en"}):
            if url in ONE_DOCUMENTS and "format" in params:
                continue
            text = body(client.get(url, params))
            assert_no_day_shown(text, f"{url} {params}")
            written |= the_precise_forms_in(text, url)
    # The same records as a release stored them.
    for prefix in ("batches", "occupations", "standards"):
        for params in ({}, {"format": "csv"}):
            text = body(client.get(f"/api/v1/{prefix}/", {"release": release.version, **params}))
            assert_no_day_shown(text, f"{prefix} as of {release.version} {params}")
    # Each date was written, at its precision.
    assert {"2019-04", "2024", "2021-05", "2020"} <= written


def test_a_json_date_is_the_iso_form_of_its_precision(imprecise):
    client = Client()
    occupation = client.get(f"/api/v1/occupations/{imprecise.pk}/").json()
    batches = {b["slug"]: b for b in client.get("/api/v1/batches/").json()["results"]}
    standards = {s["title"]: s for s in client.get("/api/v1/standards/").json()["results"]}

    assert occupation["batch"]["announced_on"] == "2019-04"
    assert occupation["batch"]["announced_precision"] == "month"
    assert batches["in-2024"]["announced_on"] == "2024"
    assert batches["in-2024"]["announced_precision"] == "year"
    assert standards["国家职业技能标准"]["issued_on"] == "2021-05"
    assert standards["Standard of a year"]["issued_on"] == "2020"


def test_no_release_download_writes_a_month_or_year_as_a_day(imprecise, superuser):
    release = issue_release(by=superuser, note="Dates.")
    files = downloads.build_files(release)
    checked = 0
    for name, content in files.items():
        if name.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(content), read_only=True)
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    for value in row:
                        # Dates are text cells as written, never a spreadsheet date.
                        assert not isinstance(value, dt.date | dt.datetime), (name, value)
                        assert_no_day_shown(str(value or ""), f"{name} {sheet.title}")
                        checked += 1
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for entry in archive.namelist():
                    if entry.startswith("xl/"):
                        assert_no_day_shown(archive.read(entry).decode(), f"{name} {entry}")
        else:
            text = content.decode("utf-8-sig")
            assert_no_day_shown(text, name)
            checked += 1
    assert checked > len(files)
    document = json.loads(files["registry.json"])
    standards = {s["title"]: s for s in document["standards"]}
    assert standards["国家职业技能标准"]["issued_on"] == "2021-05"
    assert {b["announced_on"] for b in document["batches"]} == {"2019-04", "2024"}
    rows = list(csv.DictReader(io.StringIO(files["batches.csv"].decode("utf-8-sig"))))
    assert {row["announced_on"] for row in rows} == {"2019-04", "2024"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_staff_export_writes_the_month_or_year(imprecise, superuser, fmt):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    response = client.get(f"/admin/occupations/occupation/export/{fmt}/")
    content = b"".join(response.streaming_content)
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        header, *values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(header, row, strict=True)) for row in values]
    else:
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    for row in rows:
        assert_no_day_shown(" ".join(str(v) for v in row.values()), f"staff {fmt}")

    april = next(r for r in rows if r["code"] == "2-02-10-09")
    assert april["announced on"] == "2019-04"
    assert april["announcement date precision"] == "month"
    assert [r["announced on"] for r in rows if r["announcement date precision"] == "year"] == [
        "2024"
    ]


def feeds() -> list[str]:
    return [
        "/feeds/batches/",
        "/feeds/batches/atom/",
        "/feeds/releases/",
        "/feeds/releases/atom/",
        "/feeds/consultations/",
        "/feeds/consultations/atom/",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_feed_writes_a_month_or_year_as_a_day(imprecise, superuser, language):
    issue_release(by=superuser, note="Dates.")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for url in feeds():
        assert_no_day_shown(body(client.get(url)), f"{language} {url}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_json_ld_block_writes_a_month_or_year_as_a_day(imprecise, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    pages = [
        f"/occupations/{imprecise.pk}/",
        f"/occupations/{imprecise.batch.occupations.get().pk}/",
        "/batches/april-2019/",
        "/batches/in-2024/",
    ]
    later = imprecise.__class__.objects.get(batch__slug="in-2024")
    pages.append(f"/occupations/{later.pk}/")
    dates = set()
    for url in pages:
        blocks = re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', body(client.get(url)), re.S
        )
        assert blocks, url
        for block in blocks:
            assert_no_day_shown(block, f"{language} {url} JSON-LD")
            data = json.loads(block)
            dates |= {v for k, v in walk(data) if k in ("datePublished", "dateCreated")}
    assert {"2019-04", "2024", "2021-05", "2020"} <= dates


def walk(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


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
        "/data/": (),
        **{url: () for url in classification_pages()},
    }


def classification_pages() -> list[str]:
    """The classification's page, where the site has one (its editions' dates)."""
    try:
        resolve("/classification/")
    except Resolver404:
        return []
    return ["/classification/"]


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
