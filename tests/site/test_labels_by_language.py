"""Pages show each label in the visitor's language, fall back to the other where it is held in
one only, and mark it with the right ``lang``; the catalogue's search finds either."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def occupations():
    batch = BatchFactory(
        slug="first", title="First batch", language="en", translated_title="第一批新职业"
    )
    esports = OccupationFactory(
        batch=batch,
        name="Esports Operators",
        alternative_names=["E-sports operation specialists"],
        language="en",
        translated_name="电子竞技运营师",
        translated_alternative_names=["电竞运营师"],
    )
    drone = OccupationFactory(batch=batch, name="无人机驾驶员")
    return esports, drone


def heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)


def test_an_occupation_page_shows_the_visitors_language(occupations):
    esports, _ = occupations
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/occupations/{esports.pk}/")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/occupations/{esports.pk}/")

    assert '<span lang="zh-hans">电子竞技运营师</span>' in heading(chinese.content.decode())
    assert '<dd lang="zh-hans">电竞运营师</dd>' in chinese.content.decode()
    # The English name is still there, marked as English.
    assert '<dd lang="en">Esports Operators</dd>' in chinese.content.decode()
    assert '<span lang="en">Esports Operators</span>' in heading(english.content.decode())
    assert '<dd lang="zh-hans">电子竞技运营师</dd>' in english.content.decode()


def test_a_name_held_in_one_language_is_shown_with_its_own_lang(occupations):
    _, drone = occupations
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/occupations/{drone.pk}/").content.decode()

    assert '<html lang="en">' in page
    assert '<span lang="zh-hans">无人机驾驶员</span>' in heading(page)
    assert "Name in the other language" not in page


def test_batch_page_and_catalogue_follow_the_language(occupations):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")

    assert '<h1 lang="zh-hans">第一批新职业</h1>' in chinese.get("/batches/first/").content.decode()
    assert '<h1 lang="en">First batch</h1>' in english.get("/batches/first/").content.decode()
    catalogue = english.get("/occupations/").content.decode()
    assert 'lang="en">Esports Operators</a>' in catalogue
    assert 'lang="zh-hans">无人机驾驶员</a>' in catalogue


@pytest.mark.parametrize("query", ["电竞运营", "Esports", "operation specialists"])
def test_the_catalogue_search_finds_either_language(occupations, query):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/occupations/", {"q": query})

    assert "Esports Operators" in page.content.decode()
    assert "无人机驾驶员" not in page.content.decode()
