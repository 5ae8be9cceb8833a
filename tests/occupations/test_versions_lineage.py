"""The registry's model of change: occupation versions, retirement and lineage, and the
proposal kinds of a draft, each held by the database's constraints."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consult.models import DraftOccupation
from occupations.models import JobType, Lineage, OccupationVersion, occupation_text
from tests.factories import BatchFactory, DraftOccupationFactory, GroupFactory, OccupationFactory

pytestmark = pytest.mark.django_db

K = DraftOccupation.Kind


def _refused(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def test_an_occupation_starts_at_version_1_and_is_not_retired():
    occupation = OccupationFactory()
    assert occupation.version == 1
    assert occupation.retired is False
    batch = BatchFactory()
    occupation.retired_in = batch
    occupation.save()
    occupation.refresh_from_db()
    assert occupation.retired is True


def test_version_numbers_are_positive_and_unique_per_occupation():
    occupation = OccupationFactory(code="2-02-10-07", group=GroupFactory(), job_types=["甲"])
    first = OccupationVersion.objects.first_of(occupation)
    assert first.number == 1
    assert first.batch == occupation.batch
    assert first.text == occupation_text(occupation)
    assert first.text["group"] == "2"
    assert first.text["job_types"] == ["甲"]
    assert first.changes["name"] == {"old": None, "new": occupation.name}
    # Idempotent: a second call returns the same row.
    assert OccupationVersion.objects.first_of(occupation) == first
    assert OccupationVersion.objects.count() == 1
    _refused(
        lambda: OccupationVersion.objects.create(
            occupation=occupation, number=1, batch=occupation.batch, text={}
        )
    )
    _refused(
        lambda: OccupationVersion.objects.create(
            occupation=occupation, number=0, batch=occupation.batch, text={}
        )
    )


def test_the_occupation_version_cannot_be_zero():
    occupation = OccupationFactory()
    occupation.version = 0
    _refused(occupation.save)


def test_lineage_reads_both_ways():
    old, new = OccupationFactory(), OccupationFactory()
    batch = BatchFactory()
    Lineage.objects.create(
        from_occupation=old, to_occupation=new, kind=Lineage.Kind.MERGED_INTO, batch=batch
    )
    assert [row.to_occupation for row in old.replaced_by] == [new]
    assert [row.from_occupation for row in new.replaces] == [old]
    assert not list(old.replaces)
    assert not list(new.replaced_by)


def test_lineage_constraints():
    old, new = OccupationFactory(), OccupationFactory()
    batch = BatchFactory()
    job_type = JobType.objects.create(occupation=old, position=1, name="甲")
    # An upgrade comes from a job type, never from an occupation…
    _refused(
        lambda: Lineage.objects.create(
            from_occupation=old, to_occupation=new, kind="upgraded", batch=batch
        )
    )
    # …a merge from an occupation, never from a job type.
    _refused(
        lambda: Lineage.objects.create(
            from_job_type=job_type, to_occupation=new, kind="merged_into", batch=batch
        )
    )
    _refused(
        lambda: Lineage.objects.create(
            from_occupation=old, to_occupation=old, kind="replaces", batch=batch
        )
    )
    _refused(
        lambda: Lineage.objects.create(
            from_occupation=old, to_occupation=new, kind="renamed", batch=batch
        )
    )
    Lineage.objects.create(from_job_type=job_type, to_occupation=new, kind="upgraded", batch=batch)
    # A job type is upgraded once.
    _refused(
        lambda: Lineage.objects.create(
            from_job_type=job_type, to_occupation=old, kind="upgraded", batch=batch
        )
    )


def test_a_draft_is_a_new_occupation_by_default():
    draft = DraftOccupationFactory()
    assert draft.kind == K.NEW_OCCUPATION
    assert draft.target is None


@pytest.mark.parametrize("kind", [K.NEW_JOB_TYPE, K.REVISION, K.RETIREMENT])
def test_a_targeted_proposal_needs_its_target(kind):
    draft = DraftOccupationFactory.build(
        consultation=DraftOccupationFactory().consultation, kind=kind, position=9
    )
    with pytest.raises(ValidationError) as refused:
        draft.full_clean(exclude=["status"])
    assert "target" in refused.value.message_dict
    _refused(draft.save)
    draft.target = OccupationFactory()
    draft.full_clean(exclude=["status"])
    draft.save()


def test_an_upgrade_needs_its_job_type_and_no_target():
    occupation = OccupationFactory()
    job_type = JobType.objects.create(occupation=occupation, position=1, name="甲")
    consultation = DraftOccupationFactory().consultation
    draft = DraftOccupationFactory.build(consultation=consultation, kind=K.UPGRADE, position=9)
    with pytest.raises(ValidationError) as refused:
        draft.full_clean(exclude=["status"])
    assert "target_job_type" in refused.value.message_dict
    _refused(draft.save)
    draft.target = occupation
    draft.target_job_type = job_type
    with pytest.raises(ValidationError) as refused:
        draft.full_clean(exclude=["status"])
    assert set(refused.value.message_dict) == {"target"}
    _refused(draft.save)
    draft.target = None
    draft.save()


def test_a_new_occupation_names_no_target_nor_job_type_nor_successors():
    occupation = OccupationFactory()
    consultation = DraftOccupationFactory().consultation
    for extra in (
        {"target": occupation},
        {"target_job_type": JobType.objects.create(occupation=occupation, position=1, name="乙")},
        {"successor_relation": "merged_into"},
    ):
        draft = DraftOccupationFactory.build(consultation=consultation, position=9, **extra)
        with pytest.raises(ValidationError) as refused:
            draft.full_clean(exclude=["status"])
        assert set(refused.value.message_dict) == {next(iter(extra))}
        _refused(draft.save)


def test_only_a_new_occupation_or_an_upgrade_becomes_an_occupation():
    target = OccupationFactory()
    draft = DraftOccupationFactory(
        kind=K.REVISION, target=target, status=DraftOccupation.Status.ACCEPTED
    )
    draft.occupation = OccupationFactory()
    _refused(draft.save)
