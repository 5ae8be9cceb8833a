"""Registry models: dates shown no more precisely than their source, search, batch reads."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from occupations.models import (
    Batch,
    Occupation,
    Transition,
    format_date,
    precision_is_consistent,
)
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "precision", "english", "chinese"),
    [
        (dt.date(2019, 4, 1), "month", "April 2019", "2019年4月"),
        (dt.date(2020, 7, 6), "day", "July 6, 2020", "2020年7月6日"),
        (dt.date(2024, 1, 1), "year", "2024", "2024"),
    ],
)
def test_a_date_is_shown_no_more_precisely_than_its_source(value, precision, english, chinese):
    with translation.override("en"):
        assert format_date(value, precision) == english
    with translation.override("zh-hans"):
        assert format_date(value, precision) == chinese


def test_april_2019_is_never_shown_as_the_first_of_april():
    with translation.override("en"):
        shown = BatchFactory(announced_on=dt.date(2019, 4, 1), announced_precision="month")
        assert shown.announced_display == "April 2019"
        assert "1" not in shown.announced_display.replace("2019", "")


def test_no_date_shows_nothing():
    assert format_date(None, "day") == ""


@pytest.mark.parametrize(
    ("value", "precision", "consistent"),
    [
        (dt.date(2019, 4, 1), "month", True),
        (dt.date(2019, 4, 2), "month", False),
        (dt.date(2024, 1, 1), "year", True),
        (dt.date(2024, 2, 1), "year", False),
        (dt.date(2020, 7, 6), "day", True),
        (None, "month", True),
    ],
)
def test_a_month_or_year_date_is_stored_on_its_first_day(value, precision, consistent):
    assert precision_is_consistent(value, precision) is consistent


def test_a_batch_with_a_date_more_precise_than_its_precision_does_not_validate():
    batch = Batch(
        slug="b", title="B", announced_on=dt.date(2019, 4, 15), announced_precision="month"
    )
    with pytest.raises(ValidationError) as exc:
        batch.full_clean()
    assert "announced_on" in exc.value.message_dict


# Search ------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    return {
        "ai": OccupationFactory(
            name="人工智能工程技术人员",
            alternative_names=["Artificial Intelligence Engineering Technician"],
            definition="从事人工智能相关算法研究的工程技术人员。",
            tasks=["分析、研究人工智能算法", "Design deep learning models"],
            job_types=["机器学习工程师"],
        ),
        "drone": OccupationFactory(
            name="无人机驾驶员",
            alternative_names=["UAV Pilot", "Drone pilot"],
            definition="通过远程控制设备驾驶无人机的人员。",
            tasks=["安装调试无人机"],
            job_types=[],
        ),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("人工智能", {"ai"}),
        ("智能工程", {"ai"}),  # a substring in the middle of a name
        ("算法", {"ai"}),  # the definition and the tasks
        ("机器学习", {"ai"}),  # a job type
        ("无人机", {"drone"}),
        ("drone", {"drone"}),  # an alternative name
        ("DRONE PILOT", {"drone"}),  # every word, any case
        ("uav", {"drone"}),
        ("deep learning", {"ai"}),  # a task in English
        ("Engineering", {"ai"}),
        ("pilot engineering", set()),  # words in different occupations: no match
        ("人员", {"ai", "drone"}),
        ("蒸汽机", set()),
        ("", {"ai", "drone"}),
    ],
)
def test_search_finds_chinese_substrings_and_english_words_in_any_case(catalogue, query, found):
    names = {key for key, occ in catalogue.items() if occ in Occupation.objects.search(query)}
    assert names == found


def test_search_follows_an_edited_occupation(catalogue):
    drone = catalogue["drone"]
    drone.alternative_names = ["Remotely piloted aircraft operator"]
    drone.save(update_fields=["alternative_names"])
    assert list(Occupation.objects.search("aircraft")) == [drone]
    assert not Occupation.objects.search("uav").exists()


# Batches and the log -----------------------------------------------------------------------


def test_batches_count_their_occupations_and_list_latest_first():
    first = BatchFactory(number=1, announced_on=dt.date(2019, 4, 1))
    fourth = BatchFactory(number=4, announced_on=dt.date(2021, 3, 1))
    OccupationFactory.create_batch(3, batch=first)
    counts = dict(Batch.objects.with_occupation_count().values_list("number", "occupation_total"))
    assert counts == {1: 3, 4: 0}
    assert list(Batch.objects.latest_first()) == [fourth, first]


def test_an_occupation_reads_as_its_code_and_name():
    assert str(OccupationFactory(code="2-02-10-07", name="AI engineer")) == "2-02-10-07 AI engineer"
    assert str(OccupationFactory(code="", name="Historic")) == "Historic"


def test_the_log_finds_the_steps_of_one_object():
    batch, other = BatchFactory(), BatchFactory()
    Transition.objects.record(batch, action="a", source="x", target="y", by=None)
    Transition.objects.record(other, action="b", source="x", target="y", by=None)
    (step,) = Transition.objects.for_object(batch)
    assert (step.content_object, step.action, step.actor) == (batch, "a", None)


@pytest.mark.django_db
def test_job_types_are_records_read_as_names_in_order_and_searchable():
    from occupations.models import JobType, JobTypeNames, Occupation

    occupation = OccupationFactory(name="Carbon emission manager", job_types=["B type", "A type"])
    bare = OccupationFactory(name="Bare", job_types=[])
    JobType.objects.filter(occupation=occupation, name="A type").update(other_names=["Alias of A"])
    occupation = Occupation.objects.get(pk=occupation.pk)
    occupation.job_types_changed()

    assert occupation.job_types == ["B type", "A type"]
    assert list(occupation.job_type_records.values_list("position", "name")) == [
        (1, "B type"),
        (2, "A type"),
    ]
    # Read in SQL, in position order, on SQLite and PostgreSQL alike (the staff export).
    names = dict(
        Occupation.objects.filter(pk__in=[occupation.pk, bare.pk])
        .annotate(names=JobTypeNames())
        .values_list("pk", "names")
    )
    assert names == {occupation.pk: ["B type", "A type"], bare.pk: []}
    assert list(Occupation.objects.search("alias of a")) == [occupation]
    assert list(Occupation.objects.search("b type")) == [occupation]
