"""Registry steps: attaching a skill standard with its level set, and a level's tables."""

import datetime as dt

import pytest

from core.errors import InvalidTransition, NotPermitted
from occupations.models import (
    LevelRequirement,
    LevelWeight,
    Occupation,
    SkillStandard,
    StandardLevel,
    Transition,
)
from occupations.workflow import (
    RequirementRow,
    WeightRow,
    attach_skill_standard,
    set_level_tables,
)
from tests.factories import (
    AuthorityFactory,
    BatchFactory,
    ConsultationFactory,
    DraftOccupationFactory,
)

pytestmark = pytest.mark.django_db

TECHNICAL = ["primary", "intermediate", "advanced"]
SKILL = ["level5", "level4", "level3", "level2", "level1"]


def _nothing_attached():
    assert not SkillStandard.objects.exists()
    assert not StandardLevel.objects.exists()
    assert not Transition.objects.exists()


# attach_skill_standard ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "keys"), [("technical", TECHNICAL), ("skill", SKILL)])
def test_a_standard_is_attached_with_the_level_set_of_its_kind(occupation, publisher, kind, keys):
    before = Occupation.objects.get(pk=occupation.pk).updated_at
    mohrss = AuthorityFactory()
    standard = attach_skill_standard(
        occupation,
        by=publisher,
        title="  National occupational skill standard  ",
        kind=kind,
        edition="2024",
        issued_on=dt.date(2024, 3, 1),
        issued_precision="month",
        authorities=[mohrss],
        directions=["Algorithms", "Applications"],
    )

    assert standard.title == "National occupational skill standard"
    assert list(occupation.standards.all()) == [standard]
    assert [(lvl.rank, lvl.key, lvl.kind) for lvl in standard.levels.all()] == [
        (rank, key, kind) for rank, key in enumerate(keys, start=1)
    ]
    assert list(standard.authorities.all()) == [mohrss]
    assert standard.directions == ["Algorithms", "Applications"]
    assert Occupation.objects.get(pk=occupation.pk).updated_at >= before
    (step,) = Transition.objects.all()
    assert (step.content_object, step.action, step.target, step.actor) == (
        standard,
        "attach_standard",
        kind,
        publisher,
    )


def test_the_level_set_may_be_given_in_any_order(occupation, publisher):
    standard = attach_skill_standard(
        occupation, by=publisher, title="S", kind="technical", levels=list(reversed(TECHNICAL))
    )
    assert [lvl.key for lvl in standard.levels.order_by("rank")] == TECHNICAL


@pytest.mark.parametrize(
    ("kind", "levels"),
    [
        ("technical", [*TECHNICAL, "level4"]),
        ("technical", ["primary", "intermediate"]),
        ("technical", ["primary", "primary", "advanced"]),
        ("skill", ["level5", "level4", "level3"]),
        ("skill", TECHNICAL),
        ("technical", []),
    ],
)
def test_a_level_set_that_does_not_match_the_kind_is_refused(occupation, publisher, kind, levels):
    with pytest.raises(InvalidTransition, match=f"A {kind} standard has exactly the levels") as exc:
        attach_skill_standard(occupation, by=publisher, title="S", kind=kind, levels=levels)
    assert exc.value.field == "levels"
    _nothing_attached()


def test_an_unknown_kind_is_refused(occupation, publisher):
    with pytest.raises(InvalidTransition, match="Unknown kind of standard 'expert'"):
        attach_skill_standard(occupation, by=publisher, title="S", kind="expert")
    _nothing_attached()


def _unpublished_targets():
    return {
        "a draft occupation": lambda: DraftOccupationFactory(
            consultation=ConsultationFactory(), name="Draft pilot"
        ),
        "an unsaved occupation": lambda: Occupation(name="Unsaved pilot", batch=BatchFactory()),
        "a batch": lambda: BatchFactory(title="Fourth batch"),
    }


@pytest.mark.parametrize("target", list(_unpublished_targets()))
def test_a_standard_hangs_only_off_a_published_occupation(publisher, target):
    obj = _unpublished_targets()[target]()
    with pytest.raises(InvalidTransition, match="only to published occupations") as exc:
        attach_skill_standard(obj, by=publisher, title="S", kind="technical")
    assert str(obj) in str(exc.value)
    assert exc.value.field == "occupation"
    _nothing_attached()


def test_a_second_standard_with_the_same_title_is_refused(occupation, publisher):
    attach_skill_standard(occupation, by=publisher, title="Standard", kind="technical")
    with pytest.raises(InvalidTransition, match="already has a standard titled Standard"):
        attach_skill_standard(occupation, by=publisher, title="Standard ", kind="skill")
    assert SkillStandard.objects.count() == 1
    assert StandardLevel.objects.count() == 3
    assert Transition.objects.count() == 1


def test_a_standard_without_a_title_is_refused(occupation, publisher):
    with pytest.raises(InvalidTransition, match="needs a title"):
        attach_skill_standard(occupation, by=publisher, title="  ", kind="technical")
    _nothing_attached()


def test_an_issue_date_more_precise_than_its_precision_is_refused(occupation, publisher):
    with pytest.raises(InvalidTransition, match="first day") as exc:
        attach_skill_standard(
            occupation,
            by=publisher,
            title="S",
            kind="technical",
            issued_on=dt.date(2024, 3, 15),
            issued_precision="year",
        )
    assert exc.value.field == "issued_on"
    _nothing_attached()


def test_an_unknown_issue_date_precision_is_refused(occupation, publisher):
    with pytest.raises(InvalidTransition, match="Unknown date precision 'week'") as exc:
        attach_skill_standard(
            occupation, by=publisher, title="S", kind="skill", issued_precision="week"
        )
    assert exc.value.field == "issued_precision"
    _nothing_attached()


@pytest.mark.parametrize("role", ["editor", "moderator", "outsider"])
def test_attaching_is_refused_without_the_permission(occupation, request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(NotPermitted, match=r"occupations\.add_skillstandard"):
        attach_skill_standard(occupation, by=user, title="S", kind="technical")
    _nothing_attached()


# set_level_tables --------------------------------------------------------------------------


@pytest.fixture
def level(occupation, publisher):
    standard = attach_skill_standard(occupation, by=publisher, title="S", kind="technical")
    Transition.objects.all().delete()
    return standard.levels.get(key="intermediate")


WEIGHTS = [
    WeightRow("knowledge", "Basic requirements", 20),
    WeightRow("knowledge", "Related knowledge", 80),
    WeightRow("skill", "Data annotation", 45),
    WeightRow("skill", "Model training", 55),
]


def test_a_levels_tables_are_replaced(level, publisher):
    LevelRequirement.objects.create(level=level, position=1, work_area="Old row")
    set_level_tables(
        level,
        by=publisher,
        requirements=[
            RequirementRow("Data preparation", "Annotation", "Can label data", "Data formats"),
            RequirementRow("Training"),
        ],
        weights=WEIGHTS,
    )

    assert list(level.requirements.values_list("position", "work_area", "work_content")) == [
        (1, "Data preparation", "Annotation"),
        (2, "Training", ""),
    ]
    totals = {}
    for weight in level.weights.all():
        totals[weight.category] = totals.get(weight.category, 0) + weight.weight
    assert totals == {"knowledge": 100, "skill": 100}
    (step,) = Transition.objects.all()
    assert (step.content_object, step.action, step.source, step.actor) == (
        level.standard,
        "set_level_tables",
        "intermediate",
        publisher,
    )


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([WeightRow("knowledge", "A", 60), WeightRow("knowledge", "B", 30)], "sum to 90, not 100"),
        ([WeightRow("skill", "A", 101)], "between 0 and 100; A has 101"),
        ([WeightRow("skill", "A", -1), WeightRow("skill", "B", 101)], "between 0 and 100"),
        ([WeightRow("attitude", "A", 100)], "Unknown weight table 'attitude'"),
    ],
)
def test_weight_tables_that_do_not_sum_to_100_are_refused(level, publisher, weights, message):
    LevelWeight.objects.create(level=level, category="skill", item="Kept", weight=100)
    with pytest.raises(InvalidTransition, match=message):
        set_level_tables(level, by=publisher, requirements=[], weights=weights)
    assert list(level.weights.values_list("item", flat=True)) == ["Kept"]
    assert not Transition.objects.exists()


def test_editing_a_levels_tables_is_refused_without_the_permission(level, editor):
    with pytest.raises(NotPermitted, match=r"occupations\.change_skillstandard"):
        set_level_tables(level, by=editor, requirements=[RequirementRow("X")], weights=WEIGHTS)
    assert not level.requirements.exists()
    assert not level.weights.exists()
    assert not Transition.objects.exists()
