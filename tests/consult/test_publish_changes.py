"""Publishing every kind of proposal: each published change is a new version of the occupation
it changes, with lineage read both ways; refused steps name the field."""

import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation
from consult.workflow.publication import publication_problems, publish_consultation
from core.errors import InvalidTransition
from occupations.models import JobType, Lineage, Occupation, OccupationVersion
from tests.factories import (
    ConsultationFactory,
    DraftOccupationFactory,
    GroupFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db

S = Consultation.Status
D = DraftOccupation.Status
K = DraftOccupation.Kind


@pytest.fixture
def after_close(window):
    return window[1] + dt.timedelta(days=30)


@pytest.fixture
def review(db, window):
    return ConsultationFactory(status=S.REVIEW, opens_at=window[0], closes_at=window[1])


@pytest.fixture
def marketer(db):
    """A published occupation at version 1, with one job type."""
    occupation = OccupationFactory(
        code="4-01-02-07",
        name="互联网营销师",
        definition="在数字化信息平台上从事营销推广的人员。",
        job_types=["选品员"],
        group=GroupFactory(code="4", title="社会生产服务和生活服务人员", title_en="Services"),
    )
    OccupationVersion.objects.first_of(occupation)
    return occupation


def _proposal(consultation, position, **kwargs):
    kwargs.setdefault("status", D.ACCEPTED)
    return DraftOccupationFactory(consultation=consultation, position=position, **kwargs)


def _revision_of(occupation, consultation, position=1, **changes):
    """A revision whose proposed text is the published one, with ``changes``."""
    text = {
        "name": occupation.name,
        "alternative_names": occupation.alternative_names,
        "language": occupation.language,
        "translated_name": occupation.translated_name,
        "translated_alternative_names": occupation.translated_alternative_names,
        "definition": occupation.definition,
        "tasks": occupation.tasks,
        "job_types": occupation.job_types,
        "green": occupation.green,
        "digital": occupation.digital,
        "group": occupation.group,
        "proposed_code": occupation.code,
    }
    return _proposal(
        consultation, position, kind=K.REVISION, target=occupation, **{**text, **changes}
    )


def _publish(consultation, by, now, slug="changes-2026"):
    return publish_consultation(
        consultation,
        by=by,
        now=now,
        slug=slug,
        title="Changes 2026",
        announced_on=dt.date(2026, 9, 1),
        announced_precision="month",
    )


def _refused_with(consultation, by, now, field, text):
    with pytest.raises(InvalidTransition) as refused:
        _publish(consultation, by, now)
    assert refused.value.field == field
    assert text in refused.value.message
    consultation.refresh_from_db()
    assert consultation.status == S.REVIEW


def test_a_new_occupation_is_published_at_version_1(review, publisher, after_close):
    _proposal(review, 1, proposed_code="6-28-01-17", name="氢能生产工", job_types=["电解水制氢工"])
    batch = _publish(review, publisher, after_close)
    occupation = Occupation.objects.get(batch=batch)
    assert occupation.version == 1
    version = occupation.versions.get()
    assert (version.number, version.batch, version.consultation) == (1, batch, review)
    assert version.text["job_types"] == ["电解水制氢工"]
    assert version.changes["name"] == {"old": None, "new": "氢能生产工"}


def test_a_new_job_type_goes_under_its_target_as_a_new_version(
    review, publisher, after_close, marketer
):
    _proposal(review, 1, kind=K.NEW_JOB_TYPE, target=marketer, name="直播销售员")
    batch = _publish(review, publisher, after_close)
    marketer.refresh_from_db()
    assert marketer.version == 2
    assert marketer.job_types == ["选品员", "直播销售员"]
    record = JobType.objects.get(name="直播销售员")
    assert (record.occupation, record.batch, record.position) == (marketer, batch, 2)
    version = marketer.versions.get(number=2)
    assert version.batch == batch
    assert version.consultation == review
    assert version.changes == {"job_types": {"old": ["选品员"], "new": ["选品员", "直播销售员"]}}
    # Nothing new is created in the batch but the job type.
    assert not batch.occupations.exists()


def test_an_upgrade_creates_the_occupation_and_the_job_type_leaves_its_old_one(
    review, publisher, after_close, marketer
):
    job_type = marketer.job_type_records.get()
    _proposal(
        review,
        1,
        kind=K.UPGRADE,
        target_job_type=job_type,
        name="选品员",
        proposed_code="4-01-02-09",
    )
    batch = _publish(review, publisher, after_close)
    upgraded = Occupation.objects.get(batch=batch)
    assert (upgraded.name, upgraded.version) == ("选品员", 1)
    job_type.refresh_from_db()
    assert job_type.occupation is None
    assert job_type.occupation_name == "互联网营销师"
    marketer.refresh_from_db()
    assert marketer.job_types == []
    assert marketer.version == 2
    assert marketer.versions.get(number=2).changes == {"job_types": {"old": ["选品员"], "new": []}}
    lineage = Lineage.objects.get()
    assert (lineage.kind, lineage.from_job_type, lineage.batch) == ("upgraded", job_type, batch)
    assert [row.from_job_type for row in upgraded.replaces] == [job_type]
    assert [row.to_occupation for row in job_type.lineage_out.all()] == [upgraded]
    assert DraftOccupation.objects.get().occupation == upgraded


def test_a_revision_applies_the_changed_fields_as_version_n_plus_1(
    review, publisher, after_close, marketer
):
    _revision_of(marketer, review, definition="在数字化平台上从事营销的人员。", digital=True)
    batch = _publish(review, publisher, after_close)
    marketer.refresh_from_db()
    assert marketer.version == 2
    assert marketer.definition == "在数字化平台上从事营销的人员。"
    assert marketer.digital is True
    version = marketer.versions.get(number=2)
    assert version.batch == batch
    assert version.changes == {
        "definition": {
            "old": "在数字化信息平台上从事营销推广的人员。",
            "new": "在数字化平台上从事营销的人员。",
        },
        "digital": {"old": None, "new": True},
    }
    assert version.text["definition"] == "在数字化平台上从事营销的人员。"
    # A second consultation revises it again: version 3.
    again = ConsultationFactory(
        status=S.REVIEW, opens_at=review.opens_at, closes_at=review.closes_at
    )
    _revision_of(marketer, again, name="互联网营销员", proposed_code="4-01-02-08")
    _publish(again, publisher, after_close, slug="changes-2027")
    marketer.refresh_from_db()
    assert (marketer.version, marketer.name, marketer.code) == (3, "互联网营销员", "4-01-02-08")
    assert list(marketer.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert set(marketer.versions.get(number=3).changes) == {"name", "code"}


def test_a_retirement_marks_the_target_retired_with_its_successors(
    review, publisher, after_close, marketer
):
    successor = OccupationFactory(name="网络营销员")
    retirement = _proposal(
        review,
        1,
        kind=K.RETIREMENT,
        target=marketer,
        name=marketer.name,
        successor_relation="merged_into",
    )
    retirement.successors.set([successor])
    batch = _publish(review, publisher, after_close)
    marketer.refresh_from_db()
    assert marketer.retired
    assert marketer.retired_in == batch
    assert marketer.version == 2
    version = marketer.versions.get(number=2)
    assert version.retired
    assert version.changes == {}
    assert [(row.kind, row.to_occupation) for row in marketer.replaced_by] == [
        ("merged_into", successor)
    ]
    assert [row.from_occupation for row in successor.replaces] == [marketer]
    # Retired, it still exists and resolves.
    assert Occupation.objects.filter(pk=marketer.pk).exists()


def test_a_revision_of_a_retired_occupation_is_refused(
    review, publisher, after_close, marketer, window
):
    retired_in = OccupationFactory().batch
    Occupation.objects.filter(pk=marketer.pk).update(retired_in=retired_in)
    marketer.refresh_from_db()
    _revision_of(marketer, review, definition="新定义。")
    _refused_with(review, publisher, after_close, "target", "is retired")


def test_a_job_type_under_a_retired_occupation_is_refused(review, publisher, after_close, marketer):
    Occupation.objects.filter(pk=marketer.pk).update(retired_in=OccupationFactory().batch)
    _proposal(review, 1, kind=K.NEW_JOB_TYPE, target=marketer, name="直播销售员")
    _refused_with(review, publisher, after_close, "target", "is retired")


def test_a_revision_that_changes_nothing_is_refused(review, publisher, after_close, marketer):
    _revision_of(marketer, review)
    _refused_with(review, publisher, after_close, "target", "changes nothing")
    assert marketer.versions.count() == 1


def test_a_revision_taking_a_code_in_use_is_refused(review, publisher, after_close, marketer):
    OccupationFactory(code="4-01-02-08", name="其他")
    _revision_of(marketer, review, proposed_code="4-01-02-08")
    _refused_with(review, publisher, after_close, "proposed_code", "already used")


def test_two_proposals_changing_one_occupation_are_refused(
    review, publisher, after_close, marketer
):
    _revision_of(marketer, review, 1, definition="新定义。")
    _proposal(review, 2, kind=K.RETIREMENT, target=marketer, name=marketer.name)
    _refused_with(review, publisher, after_close, "target", "both change the same")


def test_a_job_type_the_target_already_has_is_refused(review, publisher, after_close, marketer):
    _proposal(review, 1, kind=K.NEW_JOB_TYPE, target=marketer, name="选品员")
    _refused_with(review, publisher, after_close, "name", "already has the job type")


def test_an_upgrade_of_a_job_type_already_upgraded_is_refused(
    review, publisher, after_close, marketer
):
    job_type = marketer.job_type_records.get()
    JobType.objects.filter(pk=job_type.pk).update(
        occupation=None, batch=marketer.batch, occupation_name=marketer.name
    )
    _proposal(review, 1, kind=K.UPGRADE, target_job_type=job_type, proposed_code="4-01-02-09")
    _refused_with(review, publisher, after_close, "target_job_type", "already left")


def test_a_retirement_into_itself_is_refused(review, publisher, after_close, marketer):
    retirement = _proposal(review, 1, kind=K.RETIREMENT, target=marketer, name=marketer.name)
    retirement.successors.set([marketer])
    _refused_with(review, publisher, after_close, "successors", "cannot take its place")


def test_the_publish_page_lists_each_problem_with_its_draft_and_field(review, marketer):
    revision = _revision_of(marketer, review)
    problems = publication_problems(review)
    assert [(p.draft, p.field) for p in problems] == [(revision, "target")]


def test_a_revision_needs_no_new_code_and_is_not_held_to_new_occupations_checks(
    review, publisher, after_close, marketer
):
    """A revision keeps its target's code: it is not "already used" by itself."""
    _revision_of(marketer, review, tasks=["一项任务。"])
    _publish(review, publisher, after_close)
    marketer.refresh_from_db()
    assert (marketer.code, marketer.tasks, marketer.version) == ("4-01-02-07", ["一项任务。"], 2)


def test_a_revision_of_job_types_keeps_the_records_that_stay(
    review, publisher, after_close, marketer
):
    # The kept job type keeps its sources, other names and batch; only the new name is a
    # record of the revision's batch; the one left out goes.
    kept = marketer.job_type_records.get()
    JobType.objects.filter(pk=kept.pk).update(
        sources=[{"file": "001.txt", "quote": "A sentence."}], other_names=["选品师"]
    )
    first_batch = kept.batch_id
    _revision_of(marketer, review, job_types=["直播销售员", "选品员"])
    batch = _publish(review, publisher, after_close)
    records = list(marketer.job_type_records.order_by("position"))
    assert [(r.name, r.position) for r in records] == [("直播销售员", 1), ("选品员", 2)]
    assert records[0].batch == batch
    assert records[1].pk == kept.pk and records[1].batch_id == first_batch
    assert records[1].sources == [{"file": "001.txt", "quote": "A sentence."}]
    assert records[1].other_names == ["选品师"]


def test_a_revision_cannot_remove_a_job_type_another_proposal_upgrades(
    review, publisher, after_close, marketer
):
    job_type = marketer.job_type_records.get()
    elsewhere = ConsultationFactory(status=S.REVIEW)
    _proposal(elsewhere, 1, kind=K.UPGRADE, target_job_type=job_type, name="选品员")
    _revision_of(marketer, review, job_types=[])
    _refused_with(review, publisher, after_close, "job_types", "another proposal")
    assert marketer.job_type_records.get() == job_type


def test_two_retirements_cannot_name_each_other_as_successors(
    review, publisher, after_close, marketer
):
    other = OccupationFactory(name="网络营销员")
    first = _proposal(review, 1, kind=K.RETIREMENT, target=marketer, name=marketer.name)
    second = _proposal(review, 2, kind=K.RETIREMENT, target=other, name=other.name)
    first.successors.set([other])
    second.successors.set([marketer])
    _refused_with(review, publisher, after_close, "successors", "cannot take its place")
    marketer.refresh_from_db()
    assert not marketer.retired
