"""Labels held in both languages: ``?lang=`` (or Accept-Language) picks the language of every
name and title, the other is the fallback, and ``Content-Language`` says which was given."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from occupations.workflow import attach_skill_standard
from tests.factories import AuthorityFactory, BatchFactory, GroupFactory, OccupationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/occupations/"


@pytest.fixture
def bilingual(superuser):
    ministry = AuthorityFactory(name_zh="人力资源社会保障部")
    batch = BatchFactory(
        slug="first",
        title="First batch of new occupations",
        language="en",
        translated_title="第一批新职业",
        announced_on=dt.date(2019, 4, 1),
    )
    batch.authorities.set([ministry])
    esports = OccupationFactory(
        batch=batch,
        position=1,
        name="Esports Operators",
        alternative_names=["E-sports operation specialists"],
        language="en",
        translated_name="电子竞技运营师",
        translated_alternative_names=["电竞运营师"],
        group=GroupFactory(),
    )
    chinese_only = OccupationFactory(batch=batch, position=2, name="无人机驾驶员")
    attach_skill_standard(
        esports,
        by=superuser,
        title="电子竞技运营师国家职业技能标准",
        kind="skill",
        authorities=[ministry],
    )
    return esports, chinese_only


def names(response) -> list[str]:
    return [record["name"] for record in response.json()["results"]]


def test_lang_picks_the_language_of_every_label(bilingual):
    esports, _ = bilingual
    english = Client().get(f"{URL}{esports.pk}/", {"lang": "en"})
    chinese = Client().get(f"{URL}{esports.pk}/", {"lang": "zh-hans"})

    # The response's languages: the asked one, then Chinese, the only language of the
    # standard's title (its title_language says so).
    assert english["Content-Language"] == "en, zh-hans"
    assert english.json()["name"] == "Esports Operators"
    assert english.json()["name_language"] == "en"
    assert english.json()["standards"][0]["title_language"] == "zh-hans"
    assert english.json()["alternative_names"] == ["E-sports operation specialists"]
    assert english.json()["batch"]["title"] == "First batch of new occupations"
    assert english.json()["group"]["title"] == "Professional and technical personnel"
    # The definition is written in English, the record's language.
    assert chinese["Content-Language"] == "zh-hans, en"
    assert chinese.json()["language"] == "en"
    assert chinese.json()["name"] == "电子竞技运营师"
    assert chinese.json()["name_language"] == "zh-hans"
    assert chinese.json()["alternative_names"] == ["电竞运营师"]
    assert chinese.json()["batch"]["title"] == "第一批新职业"
    assert chinese.json()["group"]["title"] == "专业技术人员"


def test_a_label_held_in_one_language_falls_back_to_it(bilingual):
    response = Client().get(URL, {"lang": "en"})

    # Content-Language describes the response: a Chinese name is in it.
    assert response["Content-Language"] == "en, zh-hans"
    assert names(response) == ["Esports Operators", "无人机驾驶员"]
    assert [r["name_language"] for r in response.json()["results"]] == ["en", "zh-hans"]
    only_english = Client().get("/api/v1/batches/first/", {"lang": "en"})
    assert only_english.json()["title_language"] == "en"


def test_accept_language_picks_the_language_when_lang_is_absent(bilingual):
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get(URL)
    default = Client().get(URL)
    overridden = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL, {"lang": "zh-hans"})

    assert (english["Content-Language"], names(english)[0]) == ("en, zh-hans", "Esports Operators")
    assert (default["Content-Language"], names(default)[0]) == ("zh-hans, en", "电子竞技运营师")
    assert (overridden["Content-Language"], names(overridden)[0]) == (
        "zh-hans, en",
        "电子竞技运营师",
    )
    assert "Accept-Language" in english["Vary"]


def test_batches_standards_and_authorities_follow_the_language(bilingual):
    client = Client()
    batch_en = client.get("/api/v1/batches/first/", {"lang": "en"}).json()
    batch_zh = client.get("/api/v1/batches/first/", {"lang": "zh-hans"}).json()
    (standard_en,) = client.get("/api/v1/standards/", {"lang": "en"}).json()["results"]

    assert batch_en["title"] == "First batch of new occupations"
    assert batch_en["authorities"] == ["Ministry of Human Resources and Social Security"]
    assert batch_zh["title"] == "第一批新职业"
    assert batch_zh["authorities"] == ["人力资源社会保障部"]
    assert batch_zh["authorities_language"] == ["zh-hans"]
    assert batch_en["authorities_language"] == ["en"]
    assert [o["name"] for o in batch_zh["occupations"]] == ["电子竞技运营师", "无人机驾驶员"]
    # The standard's title is held in Chinese only: English readers get it too.
    assert standard_en["title"] == "电子竞技运营师国家职业技能标准"
    assert standard_en["occupation"]["name"] == "Esports Operators"


def test_each_language_has_its_own_validators(bilingual):
    english = Client().get(URL, {"lang": "en"})
    chinese = Client().get(URL, {"lang": "zh-hans"})

    assert english["ETag"] != chinese["ETag"]
    again = Client().get(URL, {"lang": "en"}, HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 304


def test_search_finds_a_name_in_either_language(bilingual):
    esports, _ = bilingual
    client = Client()

    for query in ("电竞", "电子竞技运营师", "esports", "operation specialists"):
        found = client.get(URL, {"q": query}).json()["results"]
        assert [r["id"] for r in found] == [esports.pk], query


@pytest.mark.parametrize("value", ["fr", "", "zh", "EN-US", "zh-hans\x00"])
def test_an_unknown_language_is_refused_naming_the_parameter(bilingual, value):
    response = Client().get(URL, {"lang": value})

    assert response.status_code == 400
    assert list(response.json()) == ["lang"]


def test_the_language_may_be_written_in_capitals(bilingual):
    response = Client().get(URL, {"lang": "EN"})

    assert response.status_code == 200
    assert response["Content-Language"].startswith("en")
