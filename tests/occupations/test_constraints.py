"""The registry tables refuse bad rows themselves, even when model validation and the workflow
are bypassed (``QuerySet.update``, ``objects.create``, ``bulk_create``)."""

import pytest
from django.db import IntegrityError, transaction

from occupations.models import (
    Authority,
    Batch,
    ClassificationGroup,
    LevelRequirement,
    LevelWeight,
    Occupation,
    SkillStandard,
    StandardLevel,
)
from occupations.workflow import attach_skill_standard
from tests.factories import AuthorityFactory, BatchFactory, GroupFactory, OccupationFactory
from tests.helpers import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(occupation, superuser):
    major = GroupFactory(code="2")
    standard = attach_skill_standard(occupation, by=superuser, title="S", kind="technical")
    level = standard.levels.get(rank=1)
    LevelRequirement.objects.create(level=level, position=1, work_area="Data")
    LevelWeight.objects.create(level=level, category="skill", item="Labelling", weight=100)
    return {
        "major": major,
        "occupation": occupation,
        "batch": occupation.batch,
        "standard": standard,
        "level": level,
        "groups": ClassificationGroup.objects.filter(pk=major.pk),
        "batches": Batch.objects.filter(pk=occupation.batch_id),
        "occupations": Occupation.objects.filter(pk=occupation.pk),
        "standards": SkillStandard.objects.filter(pk=standard.pk),
        "levels": StandardLevel.objects.filter(pk=level.pk),
        "weights": LevelWeight.objects.filter(level=level),
    }


VIOLATIONS = {
    # ClassificationGroup
    "a group of an unknown level": (
        lambda r: r["groups"].update(level="unit"),
        "group_level_valid",
    ),
    "a group code in major group 9": (lambda r: r["groups"].update(code="9"), "group_code_format"),
    "a group code with a one-digit part": (
        lambda r: ClassificationGroup.objects.create(
            code="2-02-1", title="x", level="minor", parent=r["major"]
        ),
        "group_code_format",
    ),
    "a major group with a parent": (
        lambda r: ClassificationGroup.objects.create(
            code="3", title="x", level="major", parent=r["major"]
        ),
        "group_parent_matches_level",
    ),
    "a medium group without a parent": (
        lambda r: ClassificationGroup.objects.create(code="2-02", title="x", level="medium"),
        "group_parent_matches_level",
    ),
    "a group code used twice": (
        lambda r: ClassificationGroup.objects.create(code="2", title="again", level="major"),
        "unique:code",
    ),
    # Authority
    "an authority named twice": (
        lambda r: Authority.objects.create(name=AuthorityFactory().name),
        "unique:name",
    ),
    # Batch
    "a batch number used twice": (
        lambda r: (r["batches"].update(number=4), BatchFactory(number=4)),
        "unique:batch_number_unique",
    ),
    "a batch date of unknown precision": (
        lambda r: r["batches"].update(announced_precision="week"),
        "batch_precision_valid",
    ),
    "a batch slug used twice": (lambda r: BatchFactory(slug=r["batch"].slug), "unique:slug"),
    # Occupation
    "a malformed occupation code": (
        lambda r: r["occupations"].update(code="2-2-10-07"),
        "occupation_code_format",
    ),
    "an occupation code with a trailing newline": (
        lambda r: r["occupations"].update(code="2-02-10-07\n"),
        "occupation_code_format",
    ),
    "an occupation code used twice": (
        lambda r: OccupationFactory(code="2-02-10-07"),
        "unique:occupation_code_unique",
    ),
    "two occupations at one position in a batch": (
        lambda r: Occupation.objects.bulk_create(
            [Occupation(batch=r["batch"], position=r["occupation"].position, name="Twin")]
        ),
        "unique:occupation_position_unique_in_batch",
    ),
    # SkillStandard
    "a standard of an unknown kind": (
        lambda r: r["standards"].update(kind="expert"),
        "standard_kind_valid",
    ),
    "a standard date of unknown precision": (
        lambda r: r["standards"].update(issued_precision="week"),
        "standard_precision_valid",
    ),
    "two standards of one title on one occupation": (
        lambda r: SkillStandard.objects.create(occupation=r["occupation"], title="S", kind="skill"),
        "unique:standard_title_unique_per_occupation",
    ),
    # StandardLevel
    "a fourth level on a technical standard": (
        lambda r: StandardLevel.objects.bulk_create(
            [StandardLevel(standard=r["standard"], kind="technical", rank=4, key="level4")]
        ),
        "level_matches_kind",
    ),
    "a skill level on a technical standard": (
        lambda r: r["levels"].update(key="level5"),
        "level_matches_kind",
    ),
    "a key at the wrong rank": (
        lambda r: r["levels"].update(key="advanced"),
        "level_matches_kind",
    ),
    "two levels at one rank": (
        lambda r: StandardLevel.objects.create(
            standard=r["standard"], kind="technical", rank=1, key="primary"
        ),
        "unique:level_rank_unique",
    ),
    # LevelRequirement and LevelWeight
    "two requirements at one position": (
        lambda r: LevelRequirement.objects.create(level=r["level"], position=1, work_area="x"),
        "unique:requirement_position_unique",
    ),
    "a weight over 100": (lambda r: r["weights"].update(weight=101), "weight_between_0_and_100"),
    "a weight table of an unknown kind": (
        lambda r: r["weights"].update(category="attitude"),
        "weight_category_valid",
    ),
    "an item weighted twice": (
        lambda r: LevelWeight.objects.create(
            level=r["level"], category="skill", item="Labelling", weight=0
        ),
        "unique:weight_item_unique",
    ),
}


@pytest.mark.parametrize("case", list(VIOLATIONS))
def test_the_registry_refuses(rows, case):
    write, constraint = VIOLATIONS[case]
    assert_refused(lambda: write(rows), constraint)


def test_a_negative_weight_is_refused(rows):
    with pytest.raises(IntegrityError), transaction.atomic():
        rows["weights"].update(weight=-1)
    assert list(rows["weights"].values_list("weight", flat=True)) == [100]


def test_blank_codes_and_unnumbered_batches_may_repeat(rows):
    first = OccupationFactory(code="")
    second = OccupationFactory(code="", batch=first.batch)
    BatchFactory(number=None)
    assert Occupation.objects.filter(code="").count() == 2
    assert second.position != first.position
    assert Batch.objects.filter(number__isnull=True).count() == 3


def test_the_same_position_in_two_batches_is_allowed(rows):
    twin = OccupationFactory(position=rows["occupation"].position)
    assert twin.batch != rows["batch"]


def test_weights_of_0_and_100_are_stored(rows):
    LevelWeight.objects.create(level=rows["level"], category="knowledge", item="Zero", weight=0)
    rows["weights"].filter(item="Labelling").update(weight=100)
    assert sorted(LevelWeight.objects.values_list("weight", flat=True)) == [0, 100]
