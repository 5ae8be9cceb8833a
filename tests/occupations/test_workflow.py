"""Registry steps: attaching a skill standard with its level set, and writing a standard's level
rows (its level set and each level's tables), each logged."""

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
    LevelTables,
    RequirementRow,
    WeightRow,
    attach_skill_standard,
    set_level_tables,
    set_standard_levels,
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


# set_standard_levels -----------------------------------------------------------------------


@pytest.fixture
def standard(occupation, publisher):
    standard = attach_skill_standard(occupation, by=publisher, title="S", kind="technical")
    Transition.objects.all().delete()
    return standard


@pytest.fixture
def level(standard):
    return standard.levels.get(key="intermediate")


WEIGHTS = [
    WeightRow("knowledge", "Basic requirements", 20),
    WeightRow("knowledge", "Related knowledge", 80),
    WeightRow("skill", "Data annotation", 45),
    WeightRow("skill", "Model training", 55),
]


def _levels(standard):
    return [(lvl.rank, lvl.key, lvl.kind) for lvl in standard.levels.order_by("rank")]


def _tables(standard):
    """Every row of the standard's level tables, by level key."""
    return {
        "requirements": sorted(
            LevelRequirement.objects.filter(level__standard=standard).values_list(
                "level__key", "position", "work_area"
            )
        ),
        "weights": sorted(
            LevelWeight.objects.filter(level__standard=standard).values_list(
                "level__key", "category", "item", "weight"
            )
        ),
    }


def test_a_standards_level_rows_are_written_and_logged(standard, publisher):
    LevelRequirement.objects.create(
        level=standard.levels.get(key="primary"), position=1, work_area="Kept"
    )
    before = SkillStandard.objects.get(pk=standard.pk).updated_at
    set_standard_levels(
        standard,
        by=publisher,
        keys=list(reversed(TECHNICAL)),
        tables={
            "intermediate": LevelTables(
                requirements=[RequirementRow("Data preparation"), RequirementRow("Training")],
                weights=WEIGHTS,
            ),
            "advanced": LevelTables(weights=[WeightRow("skill", "Model tuning", 100)]),
        },
        note="From the 2024 edition.",
    )

    assert _levels(standard) == [
        (1, "primary", "technical"),
        (2, "intermediate", "technical"),
        (3, "advanced", "technical"),
    ]
    assert _tables(standard) == {
        "requirements": [
            ("intermediate", 1, "Data preparation"),
            ("intermediate", 2, "Training"),
            ("primary", 1, "Kept"),
        ],
        "weights": sorted(
            [("intermediate", w.category, w.item, w.weight) for w in WEIGHTS]
            + [("advanced", "skill", "Model tuning", 100)]
        ),
    }
    (step,) = Transition.objects.all()
    assert (step.content_object, step.action, step.source, step.target, step.actor) == (
        standard,
        "set_levels",
        "technical",
        "technical",
        publisher,
    )
    assert step.note == "Tables replaced: intermediate, advanced. From the 2024 edition."
    # The API's validators read the standard's updated_at.
    assert SkillStandard.objects.get(pk=standard.pk).updated_at > before


def test_the_seed_import_replaces_the_level_set_of_a_changed_kind_as_the_system(standard):
    """The loader changes a standard's kind in its own write, then hands the level rows to the
    workflow with ``by=None``: the old set goes with its tables, the new one is complete."""
    LevelWeight.objects.create(
        level=standard.levels.get(key="advanced"), category="skill", item="Gone", weight=100
    )
    SkillStandard.objects.filter(pk=standard.pk).update(kind="skill")

    set_standard_levels(standard, by=None, keys=SKILL, note="Seed import.")

    assert _levels(standard) == [(rank, key, "skill") for rank, key in enumerate(SKILL, 1)]
    assert _tables(standard) == {"requirements": [], "weights": []}
    (step,) = Transition.objects.all()
    assert (step.action, step.source, step.target, step.actor) == (
        "set_levels",
        "technical",
        "skill",
        None,
    )
    assert step.note == (
        "Levels added: level5, level4, level3, level2, level1. "
        "Levels removed: primary, intermediate, advanced. Seed import."
    )


def test_a_missing_level_is_added_in_its_kinds_place(standard, publisher):
    standard.levels.filter(key="intermediate").delete()
    set_standard_levels(standard, by=publisher, keys=TECHNICAL)
    assert _levels(standard) == [(r, k, "technical") for r, k in enumerate(TECHNICAL, 1)]
    assert Transition.objects.get().note == "Levels added: intermediate."


def _nothing_written(standard, before):
    assert _levels(standard) == [(r, k, "technical") for r, k in enumerate(TECHNICAL, 1)]
    assert _tables(standard) == before
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    "keys",
    [[*TECHNICAL, "level4"], ["primary", "intermediate"], SKILL, [], ["primary", "primary"]],
)
def test_writing_a_level_set_that_does_not_match_the_kind_is_refused(standard, publisher, keys):
    before = _tables(standard)
    with pytest.raises(InvalidTransition, match="A technical standard has exactly the levels"):
        set_standard_levels(standard, by=publisher, keys=keys)
    _nothing_written(standard, before)


def test_levels_with_weights_that_do_not_sum_to_100_are_refused(standard, publisher):
    LevelWeight.objects.create(
        level=standard.levels.get(key="primary"), category="skill", item="Kept", weight=100
    )
    before = _tables(standard)
    with pytest.raises(InvalidTransition, match="sum to 90, not 100") as exc:
        set_standard_levels(
            standard,
            by=publisher,
            tables={
                "intermediate": LevelTables(weights=WEIGHTS),
                "primary": LevelTables(
                    weights=[WeightRow("skill", "A", 60), WeightRow("skill", "B", 30)]
                ),
            },
        )
    assert exc.value.field == "weight"
    _nothing_written(standard, before)


def test_tables_for_a_level_outside_the_set_are_refused(standard, publisher):
    before = _tables(standard)
    with pytest.raises(InvalidTransition, match="level3 is not a level of this standard"):
        set_standard_levels(
            standard,
            by=publisher,
            tables={"level3": LevelTables(requirements=[RequirementRow("X")])},
        )
    _nothing_written(standard, before)


def _not_standards_of_published_occupations():
    return {
        "a draft occupation": lambda: DraftOccupationFactory(
            consultation=ConsultationFactory(), name="Draft pilot"
        ),
        "a published occupation itself": lambda: Occupation.objects.get(),
        "an unsaved standard": lambda: SkillStandard(
            occupation=Occupation.objects.get(), title="Unsaved", kind="technical"
        ),
    }


@pytest.mark.parametrize("target", list(_not_standards_of_published_occupations()))
def test_level_rows_are_written_only_for_a_standard_of_a_published_occupation(
    standard, publisher, target
):
    obj = _not_standards_of_published_occupations()[target]()
    with pytest.raises(InvalidTransition, match="skill standard of a published occupation") as exc:
        set_standard_levels(obj, by=publisher, keys=TECHNICAL)
    assert str(obj) in str(exc.value)
    assert StandardLevel.objects.count() == 3
    assert not Transition.objects.exists()


@pytest.mark.parametrize("role", ["editor", "moderator", "outsider"])
def test_writing_level_rows_is_refused_without_the_permission(standard, request, role):
    before = _tables(standard)
    with pytest.raises(NotPermitted, match=r"occupations\.change_skillstandard"):
        set_standard_levels(
            standard,
            by=request.getfixturevalue(role),
            keys=TECHNICAL,
            tables={"primary": LevelTables(requirements=[RequirementRow("X")])},
        )
    _nothing_written(standard, before)


# set_level_tables: one level's tables, through set_standard_levels ---------------------------


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
    assert (step.content_object, step.action, step.note, step.actor) == (
        level.standard,
        "set_levels",
        "Tables replaced: intermediate.",
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
