"""The feeds say only what the sources say: a month is not a day (no invented pubDate), a
sample consultation is not news, a new occupation is worded as the sources define it, counts
say how many of the announced occupations are named, and the Chinese feed names authorities
in Chinese where the registry holds their Chinese names."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tests.factories import AuthorityFactory, BatchFactory, ConsultationFactory, OccupationFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def april(db):
    ministry = AuthorityFactory(
        name="Ministry of Human Resources and Social Security", name_zh="人力资源社会保障部"
    )
    batch = BatchFactory(
        slug="april-2019",
        title="第一批新职业",
        language="zh-hans",
        translated_title="First batch of new occupations",
        announced_on=dt.date(2019, 4, 1),
        announced_precision="month",
        announced_count=13,
    )
    batch.authorities.set([ministry])
    OccupationFactory(batch=batch, position=1, name="人工智能工程技术人员")
    OccupationFactory(batch=batch, position=2, name="物联网工程技术人员")
    return batch


def rss_items(language: str, url: str = "/feeds/batches/") -> list[ET.Element]:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content).findall("channel/item")


def test_a_month_has_no_invented_day_in_either_feed(april):
    (item,) = rss_items("en")
    assert item.find("pubDate") is None
    assert "April 2019" in item.find("description").text

    atom = ET.fromstring(Client().get("/feeds/batches/atom/").content)
    (entry,) = atom.findall(f"{ATOM}entry")
    # The moment the record last changed, as the feed's docs say; never 2019-04-01.
    updated = dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    assert abs(updated - april.updated_at) < dt.timedelta(seconds=1)
    assert entry.find(f"{ATOM}published") is None


def test_counts_say_how_many_of_the_announced_are_named(april):
    (item,) = rss_items("en")

    assert "13 occupations announced; 2 named in the registry." in item.find("description").text


def test_a_new_occupation_is_worded_as_the_sources_define_it(april):
    for language in ("en", "zh-hans"):
        root = ET.fromstring(Client(HTTP_ACCEPT_LANGUAGE=language).get("/feeds/batches/").content)
        description = root.find("channel/description").text
        assert "added to the classification" not in description
        assert "增补进" not in description
    english = ET.fromstring(Client(HTTP_ACCEPT_LANGUAGE="en").get("/feeds/batches/").content)
    assert "not yet included in the classification" in english.find("channel/description").text


def test_the_chinese_feed_uses_the_chinese_names_it_holds(april):
    (chinese,) = rss_items("zh-hans")
    (english,) = rss_items("en")

    assert chinese.find("title").text == "第一批新职业"
    assert "人力资源社会保障部" in chinese.find("description").text
    assert "Ministry of Human Resources" not in chinese.find("description").text
    assert english.find("title").text == "First batch of new occupations"
    assert "Ministry of Human Resources and Social Security" in english.find("description").text


def test_a_sample_consultation_is_not_in_the_feeds(window):
    ConsultationFactory(
        slug="real",
        title="Real list",
        status="consultation",
        opens_at=window[0],
        closes_at=window[1],
    )
    ConsultationFactory(
        slug="demo",
        title="Demonstration list",
        status="consultation",
        opens_at=window[0],
        closes_at=window[1],
        sample=True,
    )
    for url in ("/feeds/consultations/", "/feeds/consultations/atom/"):
        text = Client().get(url).content.decode()
        assert "Real list" in text, url
        assert "Demonstration list" not in text, url


def test_comments_collected_elsewhere_are_not_counted_or_claimed(window):
    ConsultationFactory(
        slug="ministry-2026",
        title="Ministry list",
        status="review",
        opens_at=window[0],
        closes_at=window[1],
        comments_collected_elsewhere=True,
    )
    (item,) = rss_items("en", "/feeds/consultations/")

    assert "this site holds none" in item.find("description").text
