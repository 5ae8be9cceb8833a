"""Occupation pages embed a schema.org ``Occupation``, batch pages a ``Dataset``, as JSON-LD:
parsed from the page, every node's properties are properties of its schema.org type with a
value of the type schema.org expects, and the required ones are there."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from occupations.workflow import attach_skill_standard, issue_release
from tests.factories import AuthorityFactory, BatchFactory, GroupFactory, OccupationFactory

pytestmark = pytest.mark.django_db

# schema.org properties (https://schema.org/<Type>, including those inherited from Thing,
# CreativeWork, MediaObject or DefinedTerm) used by the pages, each with the types its value
# may have. "Text", "URL" and "Date" are JSON strings.
PROPERTIES: dict[str, dict[str, set[str]]] = {
    "Occupation": {
        "name": {"Text"},
        "alternateName": {"Text"},
        "description": {"Text"},
        "url": {"URL"},
        "identifier": {"Text"},
        "responsibilities": {"Text"},
        "occupationalCategory": {"CategoryCode", "Text"},
        "qualifications": {"EducationalOccupationalCredential", "Text"},
    },
    "CategoryCode": {
        "codeValue": {"Text"},
        "name": {"Text"},
        "inCodeSet": {"CategoryCodeSet", "URL"},
    },
    "CategoryCodeSet": {"name": {"Text"}},
    "EducationalOccupationalCredential": {
        "name": {"Text"},
        "credentialCategory": {"DefinedTerm", "Text"},
        "educationalLevel": {"DefinedTerm", "Text"},
        "recognizedBy": {"Organization", "GovernmentOrganization"},
        "dateCreated": {"Date"},
    },
    "GovernmentOrganization": {"name": {"Text"}},
    "Dataset": {
        "name": {"Text"},
        "description": {"Text"},
        "url": {"URL"},
        "identifier": {"Text"},
        "inLanguage": {"Text"},
        "datePublished": {"Date"},
        "temporalCoverage": {"Date"},
        "version": {"Text"},
        "license": {"URL"},
        "creator": {"Organization", "GovernmentOrganization"},
        "includedInDataCatalog": {"DataCatalog"},
        "about": {"Occupation", "Thing"},
        "distribution": {"DataDownload"},
    },
    "DataCatalog": {"name": {"Text"}, "url": {"URL"}, "license": {"URL"}},
    "DataDownload": {"encodingFormat": {"Text"}, "contentUrl": {"URL"}},
}
# What the pages promise (and Google's Dataset guidelines require: name and description).
REQUIRED = {
    "Occupation": {"name", "url", "description", "occupationalCategory", "qualifications"},
    "Dataset": {
        "name",
        "description",
        "url",
        "datePublished",
        "creator",
        "distribution",
        "license",
        "includedInDataCatalog",
        "temporalCoverage",
    },
}
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
# ISO 8601 at day, month or year precision.
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def plain(value):
    """A text's value, whether or not it carries its language."""
    return value["@value"] if isinstance(value, dict) and "@value" in value else value


def check_value(value, allowed: set[str], where: str) -> None:
    if isinstance(value, dict) and "@value" in value:
        # A text with its language: a JSON-LD value object.
        assert allowed & {"Text"}, (where, value)
        assert set(value) == {"@value", "@language"}, (where, value)
        assert value["@language"] in {"zh-hans", "en"}, (where, value)
        assert isinstance(value["@value"], str), (where, value)
    elif isinstance(value, dict):
        assert value.get("@type") in allowed, (where, value.get("@type"), allowed)
        check_node(value, where)
    elif isinstance(value, str):
        assert allowed & {"Text", "URL", "Date"}, (where, value)
        if allowed == {"URL"}:
            assert value.startswith(("http://testserver/", LICENCE)), (where, value)
        if allowed == {"Date"}:
            assert DATE.match(value), (where, value)
    else:
        raise AssertionError((where, value))


def check_node(node: dict, where: str) -> None:
    kind = node["@type"]
    assert kind in PROPERTIES, (where, kind)
    for name, value in node.items():
        if name.startswith("@"):
            continue
        assert name in PROPERTIES[kind], f"{where}: {name} is not a property of {kind}"
        for item in value if isinstance(value, list) else [value]:
            check_value(item, PROPERTIES[kind][name], f"{where}.{name}")


@pytest.fixture
def occupation(superuser):
    ministry = AuthorityFactory()
    batch = BatchFactory(
        slug="first-batch",
        title="First batch of new occupations",
        announced_on=dt.date(2019, 4, 1),
        announced_precision="month",
        announced_count=13,
    )
    batch.authorities.set([ministry])
    ai = OccupationFactory(
        batch=batch,
        code="2-02-10-09",
        name="人工智能工程技术人员",
        alternative_names=["AI engineering technician"],
        definition="从事人工智能相关技术的工程技术人员。",
        tasks=["分析人工智能算法", "研发机器学习技术"],
        group=GroupFactory(),
    )
    OccupationFactory(batch=batch, name="Esports operator </script><!--")
    attach_skill_standard(
        ai,
        by=superuser,
        title="人工智能工程技术人员国家职业技术技能标准",
        kind="technical",
        issued_on=dt.date(2021, 7, 1),
        issued_precision="month",
        authorities=[ministry],
    )
    return ai


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_occupation_page_embeds_a_valid_schema_org_occupation(occupation, language):
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/occupations/{occupation.pk}/")
    (data,) = json_ld(html.content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Occupation"
    check_node(data, "Occupation")
    assert REQUIRED["Occupation"] <= set(data)
    assert data["@id"] == data["url"] == f"http://testserver/occupations/{occupation.pk}/"
    # A name held in Chinese only is given in Chinese, and says so, on the English page too.
    assert data["name"] == {"@value": "人工智能工程技术人员", "@language": "zh-hans"}
    assert data["alternateName"] == [
        {"@value": "AI engineering technician", "@language": "zh-hans"}
    ]
    assert data["description"]["@language"] == "zh-hans"
    code, group = data["occupationalCategory"]
    assert code["codeValue"] == "2-02-10-09"
    assert "2022" in plain(code["inCodeSet"]["name"])
    assert group["codeValue"] == "2"
    # One credential per level the standard certifies.
    credentials = data["qualifications"]
    assert len(credentials) == 3
    assert len({plain(c["educationalLevel"]) for c in credentials}) == 3
    for credential in credentials:
        assert plain(credential["name"]) == "人工智能工程技术人员国家职业技术技能标准"
        assert credential["dateCreated"] == "2021-07"
        assert isinstance(credential["educationalLevel"], dict)


def test_an_occupation_without_code_or_standard_leaves_them_out(occupation):
    other = occupation.batch.occupations.exclude(pk=occupation.pk).get()
    (data,) = json_ld(Client().get(f"/occupations/{other.pk}/").content.decode())

    check_node(data, "Occupation")
    assert "occupationalCategory" not in data and "qualifications" not in data


def test_a_batch_page_embeds_a_valid_schema_org_dataset(occupation):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/batches/first-batch/").content.decode()
    (data,) = json_ld(html)

    assert data["@type"] == "Dataset"
    check_node(data, "Dataset")
    assert REQUIRED["Dataset"] <= set(data)
    assert data["datePublished"] == data["temporalCoverage"] == "2019-04"
    assert data["license"] == LICENCE
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert data["creator"] == [
        {
            "@type": "GovernmentOrganization",
            "name": {
                "@value": "Ministry of Human Resources and Social Security",
                "@language": "en",
            },
        }
    ]
    # Google's guideline for a dataset description: 50 to 5,000 characters.
    description = plain(data["description"])
    assert 50 <= len(description) <= 5000
    # 13 announced, 2 named: no claim that the dataset lists them all, and a new occupation
    # worded as the sources define it.
    assert "13" in description and "names 2 of them" in description
    assert "not yet included in the classification" in description
    assert "added to the classification" not in description
    assert [plain(o["name"]) for o in data["about"]] == [
        "人工智能工程技术人员",
        "Esports operator </script><!--",
    ]
    # The languages the dataset's texts are in, not the page's.
    assert data["inLanguage"] == ["zh-hans"]
    formats = {d["encodingFormat"]: d["contentUrl"] for d in data["distribution"]}
    assert Client().get(formats["application/json"]).json()["slug"] == "first-batch"
    csv = Client().get(formats["text/csv"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


def test_the_dataset_names_the_release_it_reads_as_its_version(occupation, superuser):
    release = issue_release(by=superuser, note="First release.")
    (data,) = json_ld(Client().get("/batches/first-batch/").content.decode())

    assert data["version"] == release.version


def test_a_name_cannot_end_the_script_block(occupation):
    html = Client().get("/batches/first-batch/").content.decode()

    assert "</script><!--" not in html
    assert html.count("</script>") == html.count("<script")
