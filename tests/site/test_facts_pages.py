"""Pages say only what the sources say: ?lang= chooses the language, labels in one language
carry it, inferred, outside and disputed facts are marked with their rule or reference, a
marker no source gives is "not known", a date or count no source gives is "not stated", and a
consultation whose comments were collected elsewhere claims nothing about them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from consult.models import Consultation
from consult.public.views import consultation_page
from occupations.models import ClassificationEdition, ReleasePeriod, SkillStandard
from tests.factories import (
    AuthorityFactory,
    BatchFactory,
    ConsultationFactory,
    GroupFactory,
    OccupationFactory,
)
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db

INFERRED_YEAR = {"basis": "inference", "rule": "year from the order of batches in 000_history.txt"}
DISPUTED_DATE = {
    "basis": "disagreement",
    "readings": [
        {"value": "2020-06", "file": "000_history.txt", "quote": "The third came in June 2020."},
        {"value": "2020-07-06", "file": "001_news.txt", "quote": "On July 6 the list was issued."},
    ],
    "rule": "the day-precise reading is stored; both are shown",
}
OUTSIDE_GROUP = {"basis": "reference", "reference": "the 2022 classification's major groups"}


def english(path: str) -> str:
    return Client(HTTP_ACCEPT_LANGUAGE="en").get(path).content.decode()


def visible(html: str) -> str:
    """The page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ?lang= ------------------------------------------------------------------------------------


def test_lang_parameter_outranks_accept_language_on_pages():
    chinese_reader = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = chinese_reader.get("/occupations/?lang=en")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
    assert "Occupation catalogue" in response.content.decode()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/occupations/?lang=zh-hans")
    assert response["Content-Language"] == "zh-hans"
    assert "职业目录" in response.content.decode() or "目录" in response.content.decode()
    # Not a language of the site: the reader's own language, never an error page.
    response = chinese_reader.get("/occupations/?lang=fr")
    assert response.status_code == 200 and response["Content-Language"] == "zh-hans"


def test_the_language_switcher_returns_to_the_page_without_the_parameter():
    html = Client().get("/occupations/?q=data&lang=en").content.decode()
    assert 'name="next" value="/occupations/?q=data"' in html


# Labels in one language ----------------------------------------------------------------------


def test_labels_held_in_one_language_carry_it():
    batch = BatchFactory(slug="one", title="第一批")
    batch.authorities.add(AuthorityFactory(name="Some Bureau", name_zh=""))
    occupation = OccupationFactory(
        batch=batch,
        name="数据标注员",
        definition="从事数据标注的人员。",
        tasks=["标注数据。"],
        group=GroupFactory(),
    )
    html = english(f"/occupations/{occupation.pk}/")
    assert '<span lang="zh-hans">从事数据标注的人员。</span>' in html
    assert '<ol lang="zh-hans"><li>标注数据。</li></ol>' in html
    assert '<span lang="en">2 Professional and technical personnel</span>' in html
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/batches/one/").content.decode()
    assert '<span lang="en">Some Bureau</span>' in chinese  # no Chinese name: marked English


# Provenance ----------------------------------------------------------------------------------


def test_inferred_outside_and_disputed_facts_are_marked_with_their_rule_and_readings():
    batch = BatchFactory(
        slug="third",
        title="Third batch",
        announced_on=dt.date(2020, 7, 6),
        announced_precision="day",
        sources=[{"file": "000_history.txt", "quote": "Nine occupations were announced."}],
        provenance={"announced_on": DISPUTED_DATE, "number": INFERRED_YEAR},
        number=3,
    )
    occupation = OccupationFactory(
        batch=batch, group=GroupFactory(), provenance={"group": OUTSIDE_GROUP}
    )
    page = english("/batches/third/")
    dates = page.split("Announced</dt>", 1)[1].split("</dd>", 1)[0]
    assert "sources disagree" in dates
    assert "June 2020" in dates and "July 6, 2020" in dates  # each reading, at its precision
    assert "The third came in June 2020." in dates and "(000_history.txt)" in dates
    assert "On July 6 the list was issued." in dates and "(001_news.txt)" in dates
    assert "the day-precise reading is stored; both are shown" in dates
    number = page.split("Batch number</dt>", 1)[1].split("</dd>", 1)[0]
    assert "inferred" in number and "year from the order of batches in 000_history.txt" in number
    # The record's sources, each quote with its file, and every such fact again beside them.
    sources = page.split('<section class="sources">', 1)[1].split("</section>", 1)[0]
    assert '<q lang="en">Nine occupations were announced.</q>' in sources
    assert "(000_history.txt)" in sources
    assert "Announced on" in sources and "Ordinal number" in sources
    group = english(f"/occupations/{occupation.pk}/").split("Major group</dt>", 1)[1]
    group = group.split("</dd>", 1)[0]
    assert "outside reference data" in group
    assert "the 2022 classification&#x27;s major groups" in group


def test_a_fact_from_the_sources_carries_no_marker():
    BatchFactory(slug="plain", sources=[{"file": "a.txt", "quote": "A batch was announced."}])
    page = english("/batches/plain/")
    assert "provenance" not in page.split("<main", 1)[1].split("<section", 1)[0]
    assert "A batch was announced." in page


# Markers -------------------------------------------------------------------------------------


@pytest.fixture
def marked(db):
    batch = BatchFactory(slug="markers", announced_count=9)
    OccupationFactory(batch=batch, name="Green one", green=True, digital=None)
    OccupationFactory(batch=batch, name="Not green", green=False, digital=True)
    OccupationFactory(batch=batch, name="Unknown one", green=None, digital=None)
    return batch


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("green=marked", {"Green one"}),
        ("green=on", {"Green one"}),  # the old checkbox still means "marked"
        ("green=not_marked", {"Not green"}),
        ("green=unknown", {"Unknown one"}),
        ("digital=marked", {"Not green"}),
        ("digital=unknown", {"Green one", "Unknown one"}),
        ("", {"Green one", "Not green", "Unknown one"}),
    ],
)
def test_marker_filters_offer_marked_not_marked_and_not_known(marked, query, expected):
    page = english(f"/occupations/?{query}")
    shown = {name for name in ("Green one", "Not green", "Unknown one") if f">{name}<" in page}
    assert shown == expected


def test_catalogue_counts_say_how_many_markers_are_not_known_and_how_many_are_named(marked):
    text = visible(english("/occupations/"))
    assert "3 occupations found." in text
    assert "Green (L): 1 marked, 1 not marked, 1 not known." in text
    assert "Digital (S): 1 marked, 0 not marked, 2 not known." in text
    assert "3 of the 9 occupations announced in all batches are named in the sources" in text
    filtered = visible(english("/occupations/?green=unknown"))
    assert "1 occupation found." in filtered
    assert "Green (L): 0 marked, 0 not marked, 1 not known." in filtered


def test_an_unknown_marker_value_is_reported_on_its_field(marked):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/occupations/?green=maybe")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not understood" in html and 'href="#id_green"' in html
    assert "3 occupations found." in html  # the filter is left out


def test_an_occupation_page_says_a_null_marker_is_not_known(marked):
    unknown = marked.occupations.get(name="Unknown one")
    text = visible(english(f"/occupations/{unknown.pk}/"))
    assert "Green occupation (L) not known" in text
    assert "Digital occupation (S) not known" in text
    not_green = marked.occupations.get(name="Not green")
    text = visible(english(f"/occupations/{not_green.pk}/"))
    assert "Green occupation (L) not marked" in text
    assert "Digital occupation (S) marked" in text


# Saying only what is known -------------------------------------------------------------------


def test_an_occupation_without_a_standard_says_the_registry_records_none():
    occupation = OccupationFactory()
    text = visible(english(f"/occupations/{occupation.pk}/"))
    assert "The registry records no national skill standard for this occupation." in text
    assert "has been issued" not in text


def test_an_undated_standard_reads_not_stated_and_a_dated_one_stays_human():
    occupation = OccupationFactory()
    SkillStandard.objects.create(occupation=occupation, kind="skill", title="Undated")
    SkillStandard.objects.create(
        occupation=occupation,
        kind="technical",
        title="Dated",
        issued_on=dt.date(2019, 4, 1),
        issued_precision="month",
    )
    page = english(f"/occupations/{occupation.pk}/")
    assert "<dt>Issued</dt><dd>not stated in the sources</dd>" in page
    assert "<dt>Issued</dt><dd>April 2019</dd>" in page
    assert "2019-04" not in visible(page.split("<main", 1)[1])  # JSON-LD in <head> aside


@pytest.fixture
def elsewhere(db):
    """A closed consultation of the history: comments went to the ministry by other channels."""
    now = timezone.now()
    consultation = ConsultationFactory(
        slug="ministry-2026",
        title="2026 draft list",
        status=Consultation.Status.REVIEW,
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=30),
        comments_collected_elsewhere=True,
        text_source=Consultation.TextSource.PRESS_SUMMARY,
    )
    draft = make_draft(consultation, 1, name="Drone pilot")
    draft.consulted_text = {}
    draft.save()
    return consultation


def test_a_consultation_whose_comments_were_collected_elsewhere_claims_nothing_about_them(
    elsewhere,
):
    for path in ("/consultations/", "/consultations/ministry-2026/"):
        text = visible(english(path))
        assert "collected elsewhere" in text and "not known" in text
        assert "0 comments" not in text and "comments received" not in text
        assert "still reviewing" not in text.lower()
    report = Client(HTTP_ACCEPT_LANGUAGE="en").get("/consultations/ministry-2026/report/")
    assert report.status_code == 404
    text = visible(report.content.decode())
    assert "collected elsewhere" in text and "0 comments" not in text


def test_a_press_summary_makes_no_claim_the_records_cannot_support(elsewhere):
    text = visible(english("/consultations/ministry-2026/"))
    assert "press report's summary" in text
    assert "as the public read it" not in text
    assert "Not revised since the consultation" not in text  # no consulted text recorded
    assert "not yet assigned" not in text and "Proposed code" not in text


def test_a_window_without_a_stated_opening_reads_not_stated(elsewhere):
    # The database keeps a public window whole; a source that gives only the close is shown so.
    elsewhere.opens_at = None
    request = RequestFactory().get("/consultations/ministry-2026/", HTTP_ACCEPT_LANGUAGE="en")
    request.LANGUAGE_CODE = "en"
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    request.user = AnonymousUser()
    with translation.override("en"):
        assert elsewhere.state(timezone.now()) == Consultation.State.CLOSED
        response = consultation_page(
            request, elsewhere, now=timezone.now(), drafts=list(elsewhere.drafts.all())
        )
    text = visible(response.content.decode())
    assert "Comments were accepted from: not stated in the sources" in text


def test_the_home_page_words_a_new_occupation_as_the_sources_define_it():
    text = visible(english("/"))
    assert "not yet included in the national occupational classification" in text
    assert "are added to the national occupational classification" not in text


# The classification ---------------------------------------------------------------------------


@pytest.fixture
def history(db):
    ClassificationEdition.objects.create(
        year=2022,
        issued_on=dt.date(2022, 1, 1),
        issued_precision="year",
        revision=2,
        major_group_count=8,
        occupation_count=1639,
        sources=[{"file": "010_edition.txt", "quote": "The 2022 edition lists 1,639 occupations."}],
    )
    ClassificationEdition.objects.create(
        year=1999,
        issued_on=dt.date(1999, 1, 1),
        issued_precision="year",
        revision=0,
        occupation_count=1838,
        sources=[{"file": "010_edition.txt", "quote": "The 1999 edition listed 1,838."}],
    )
    ReleasePeriod.objects.create(
        started_year=2004,
        ended_year=2009,
        batch_count=12,
        occupation_count=120,
        occupation_count_is_minimum=True,
        sources=[{"file": "000_history.txt", "quote": "By 2009, 12 batches had been released."}],
    )
    BatchFactory(
        slug="first-2019",
        title="First batch",
        announced_on=dt.date(2019, 4, 1),
        announced_precision="month",
        announced_count=13,
        provenance={"announced_on": INFERRED_YEAR},
    )
    BatchFactory(
        slug="june-2022",
        title="June batch",
        announced_on=dt.date(2022, 6, 1),
        announced_precision="month",
    )


def test_the_classification_page_shows_editions_periods_and_batches_in_order(history):
    page = english("/classification/")
    text = visible(page)
    order = [
        text.index("The 1999 edition"),
        text.index("New occupations released 2004–2009"),
        text.index("First batch"),
        text.index("The 2022 edition"),
        text.index("June batch"),
    ]
    assert order == sorted(order)
    assert "1639" in text and "1838" in text and "over 120" in text
    assert "April 2019" in text and "2019-04" not in text
    assert "13 announced; 0 named in the sources" in text
    assert "The 1999 edition listed 1,838." in text and "(010_edition.txt)" in text
    assert "By 2009, 12 batches had been released." in text
    first = page.split('id="batch-first-2019"', 1)[1].split("</section>", 1)[0]
    assert "inferred" in first and INFERRED_YEAR["rule"] in first


def test_the_classification_is_linked_from_the_navigation_and_open_data():
    assert 'href="/classification/"' in english("/").split("</nav>", 1)[0]
    assert 'href="/classification/"' in english("/data/")
    assert '"/api/v1/classification/"' in english("/data/")


def test_the_new_wording_speaks_chinese_too(marked, history):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = visible(chinese.get("/occupations/").content.decode())
    assert "绿色职业（L）：已标识 1 个，未标识 1 个，未知 1 个。" in text
    assert "在各批次公告的至少 22 个职业中，来源列出名称的有 3 个" in text
    page = visible(chinese.get("/classification/").content.decode())
    assert "国家职业分类大典" in page and "推断" in page and "2022年版" in page
    assert "The classification" not in page and "inferred" not in page


def test_the_home_page_says_how_many_of_a_batchs_announced_occupations_are_named(marked):
    assert "3 of 9 announced occupations named and listed" in visible(english("/"))


def test_a_sample_consultation_says_it_is_one():
    now = timezone.now()
    ConsultationFactory(
        slug="demo",
        title="Demo list",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
        sample=True,
    )
    assert "not a consultation held by the ministry" in visible(english("/consultations/demo/"))
    for path in ("/", "/consultations/"):
        assert "Demo list sample" in visible(english(path))
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/consultations/demo/")
    assert "并非主管部门组织的征求意见" in chinese.content.decode()


def test_an_inferred_batch_date_is_marked_wherever_it_is_shown():
    batch = BatchFactory(slug="june", provenance={"announced_on": INFERRED_YEAR})
    occupation = OccupationFactory(batch=batch)
    for path in ("/", "/occupations/", f"/occupations/{occupation.pk}/", "/batches/june/"):
        assert INFERRED_YEAR["rule"] in english(path), path
