"""``manage.py loadseeds`` with the real seed files: what ends up in the registry and the
consultation app, and that loading again changes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from consult.models import Consultation, DraftOccupation
from consult.workflow.drafts import accept_draft, revise_draft, withdraw_draft
from consult.workflow.publication import publish_consultation
from occupations.models import (
    Authority,
    Batch,
    ClassificationEdition,
    ClassificationGroup,
    Occupation,
    OccupationVersion,
    SkillStandard,
    StandardLevel,
    Transition,
)

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def loadseeds(*args: str) -> str:
    out = StringIO()
    call_command("loadseeds", *args, stdout=out)
    return out.getvalue()


def totals(output: str) -> dict[str, int]:
    """The summary table's last row: created, updated, unchanged, kept."""
    (row,) = [line for line in output.splitlines() if line.startswith("total ")]
    names = ("created", "updated", "unchanged", "kept")
    return dict(zip(names, map(int, row.split()[1:]), strict=True))


def snapshot() -> dict[str, list]:
    """Every row the seeds write, with its timestamps: any change shows."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            ClassificationGroup,
            Authority,
            ClassificationEdition,
            Batch,
            Occupation,
            Consultation,
            DraftOccupation,
            SkillStandard,
            StandardLevel,
            Transition,
        )
    } | {
        "batch authorities": list(
            Batch.authorities.through.objects.order_by("pk").values_list("batch_id", "authority_id")
        ),
        "draft history": [DraftOccupation.history.count()],
    }


@pytest.fixture
def loaded(db) -> str:
    """The real seed files, loaded twice: what follows must hold after a repeated load."""
    loadseeds()
    return loadseeds()


def test_loading_twice_creates_everything_once_and_then_changes_nothing(db):
    first = loadseeds()
    before = snapshot()

    second = loadseeds()

    assert snapshot() == before
    assert totals(first) == {"created": 171, "updated": 0, "unchanged": 0, "kept": 0}
    assert totals(second) == {"created": 0, "updated": 0, "unchanged": 171, "kept": 0}
    assert "nothing changed" in second


def test_each_batch_holds_the_occupations_its_sources_name(loaded):
    counts = {
        batch.slug: (batch.occupations.count(), batch.announced_count)
        for batch in Batch.objects.all()
    }

    assert counts == {
        "first-batch-2019": (13, 13),
        "second-batch-2020": (16, 16),
        "third-batch-2020": (9, 9),
        "fourth-batch-2021": (18, 18),
        "june-batch-2022": (18, 18),
        # Nineteen announced, six named by the source.
        "batch-2024": (6, 19),
    }
    assert Occupation.objects.count() == 80
    assert sum(n for n, _ in list(counts.values())[:4]) == 56


def test_no_published_occupation_gets_an_invented_code(loaded):
    assert list(Occupation.objects.exclude(code="")) == []


def test_batches_keep_the_precision_of_their_announcement_dates(loaded):
    with translation.override("en"):
        shown = {batch.slug: batch.announced_display for batch in Batch.objects.all()}

    assert shown["first-batch-2019"] == "April 2019"
    assert shown["fourth-batch-2021"] == "March 2021"
    assert shown["batch-2024"] == "2024"
    assert shown["june-batch-2022"] == "June 14, 2022"


def test_the_third_batch_keeps_both_readings_of_its_date_and_stores_the_one_with_a_year(loaded):
    third = Batch.objects.get(slug="third-batch-2020")

    assert (third.announced_on, third.announced_precision) == (dt.date(2020, 6, 1), "month")
    readings = third.provenance["announced_on"]["readings"]
    assert third.provenance["announced_on"]["basis"] == "disagreement"
    assert [(r["value"], r["file"][:3]) for r in readings] == [
        ("2020-06", "000"),
        ("--07-06", "001"),
    ]
    assert "“June 2020”" in third.notes
    assert "“On July 6”" in third.notes
    assert {s["file"] for s in third.sources} == {
        "000_4f42679ce3381b74.txt",
        "001_3220ab0922d07ffe.txt",
    }


def test_batches_name_their_issuing_authorities(loaded):
    first = Batch.objects.get(slug="first-batch-2019")
    june = Batch.objects.get(slug="june-batch-2022")

    assert sorted(first.authorities.values_list("name", flat=True)) == [
        "Ministry of Human Resources and Social Security",
        "National Bureau of Statistics",
        "State Administration for Market Regulation",
    ]
    assert list(june.authorities.values_list("name", flat=True)) == [
        "Ministry of Human Resources and Social Security"
    ]
    assert Authority.objects.count() == 4


def test_occupations_keep_the_sources_order(loaded):
    names = list(
        Occupation.objects.filter(batch__slug="first-batch-2019")
        .order_by("position")
        .values_list("name", flat=True)
    )

    assert names[:3] == [
        "Artificial Intelligence Engineering Technicians",
        "IoT Engineering Technicians",
        "Big Data Engineering Technicians",
    ]
    assert names[-1] == "Industrial Robot System Maintenance Workers"


def test_a_definition_is_stored_exactly_as_the_source_gives_it(loaded):
    pilots = Occupation.objects.get(name="Drone Pilots")

    assert pilots.definition == (
        "Personnel who control drones to complete designated flight tasks through remote "
        "control devices."
    )
    assert pilots.sources[0]["file"] == "000_4f42679ce3381b74.txt"


def test_the_main_tasks_of_two_occupations_in_full_and_in_order(loaded):
    ai = Occupation.objects.get(name="Artificial Intelligence Engineering Technicians")
    vision = Occupation.objects.get(name="Industrial Vision System Maintenance Workers")

    assert ai.tasks == [
        "Analyze and research artificial intelligence algorithms, deep learning, and neural "
        "network technologies;",
        "Research, develop, and apply artificial intelligence instructions, algorithms, and "
        "technologies;",
        "Plan, design, and develop chips based on artificial intelligence algorithms;",
        "Research, develop, and optimize technologies such as language recognition, semantic "
        "recognition, image recognition, and biometric recognition;",
        "Design, integrate, manage, and deploy artificial intelligence hardware and software "
        "systems;",
        "Design and develop artificial intelligence system solutions;",
        "Provide technical consulting and services related to artificial intelligence.",
    ]
    assert vision.tasks == [
        "Select, debug, and maintain vision hardware such as cameras, lenses, and code readers;",
        "Conduct object imaging and lighting;",
        "Conduct precision calibration of vision systems;",
        "Conduct coordinate system calibration of vision systems and third-party systems;",
        "Integrate and embed communication between vision application systems and main "
        "industrial software;",
        "Confirm and capture object features during imaging;",
        "Identify and classify the quality of images during system operation, determining and "
        "resolving issues;",
        "Design small sample programs to verify process accuracy;",
        "Reset, debug, and verify systems after replacing vision hardware.",
    ]


def test_the_job_types_of_two_occupations(loaded):
    assert Occupation.objects.get(name="AI Trainers").job_types == [
        "Data Annotators",
        "AI Algorithm Testers",
    ]
    assert Occupation.objects.get(name="Carbon Emission Managers").job_types == [
        "Civil Aviation Carbon Emission Managers",
        "Carbon Emission Monitors",
        "Carbon Emission Accountants",
        "Carbon Emission Verifiers",
        "Carbon Emission Traders",
        "Carbon Emission Consultants",
    ]
    assert Occupation.objects.get(name="Internet Marketing Specialists").job_types == [
        "Live Sales Personnel"
    ]


def test_the_classifications_editions_are_reference_data_with_their_sources(loaded):
    editions = {e.year: e for e in ClassificationEdition.objects.all()}

    assert sorted(editions) == [1999, 2015, 2022]
    latest = editions[2022]
    assert (latest.revision, latest.major_group_count, latest.occupation_count) == (2, 8, 1639)
    assert "revised twice" in latest.sources[0]["quote"]
    assert editions[1999].occupation_count == 1838
    assert editions[1999].sources[0]["file"] == "000_4f42679ce3381b74.txt"
    # July 2015, as the source says, never 1 July.
    assert editions[2015].issued_precision == "month"
    with translation.override("en"):
        assert editions[2015].issued_display == "July 2015"
    assert editions[2015].occupation_count is None  # no source gives it


def test_both_translations_of_a_third_batch_name_are_kept_and_searchable(loaded):
    marketers = Occupation.objects.get(name="Internet Marketing Specialists")

    assert marketers.alternative_names == ["Online Marketers"]
    assert list(Occupation.objects.search("online marketers")) == [marketers]
    # "Livestreaming Salesperson" is not another name of the occupation but of its job type
    # "Live Sales Personnel": found by search all the same.
    (live_sales,) = marketers.job_type_records.all()
    assert (live_sales.name, live_sales.other_names) == (
        "Live Sales Personnel",
        ["Livestreaming Salesperson"],
    )
    assert marketers.job_types == ["Live Sales Personnel"]
    assert list(Occupation.objects.search("livestreaming salesperson")) == [marketers]
    assert list(Occupation.objects.search("ability assessors")) == [
        Occupation.objects.get(name="Elderly Capability Assessors")
    ]


def test_batch_three_job_types_are_recorded_as_the_sources_state_them(loaded):
    third = Batch.objects.get(slug="third-batch-2020")
    announced = third.job_types.filter(occupation=None).order_by("position")

    assert [(j.name, j.other_names, j.occupation_name) for j in announced] == [
        ("Internet Information Review Personnel", ["Internet Information Auditor"], ""),
        ("Micro-Sized and Small Loan Officers", [], ""),
        ("Labor Dispatch Administrators", [], ""),
        ("Clay Board Painting Creators", [], ""),
        ("Epidemic Controller", [], "public health assistant"),
        ("Disinfector", [], "public health assistant"),
        ("Public Place Sanitation Administrator", [], "public health assistant"),
    ]
    assert announced[0].provenance["other_names"]["basis"] == "inference"
    # No occupation is invented for "public health assistant".
    assert not Occupation.objects.filter(name__icontains="public health assistant").exists()


def test_markers_are_set_only_where_a_source_assigns_them(loaded):
    digital = Occupation.objects.filter(digital=True)

    assert digital.count() == 9
    assert set(digital.values_list("batch__slug", flat=True)) == {"june-batch-2022"}
    assert not Occupation.objects.filter(green=True).exists()


def test_the_eight_major_groups_of_the_2022_edition(loaded):
    groups = ClassificationGroup.objects.filter(level="major").order_by("code")

    assert list(groups.values_list("code", flat=True)) == list("12345678")
    assert groups.get(code="2").title == "专业技术人员"
    assert groups.get(code="7").title == "军队人员"


def test_the_ten_national_standards_hang_off_their_occupations_with_three_levels(loaded):
    standards = SkillStandard.objects.select_related("occupation")

    assert standards.count() == 10
    for standard in standards:
        assert standard.kind == "technical"
        assert [level.key for level in standard.levels.order_by("rank")] == [
            "primary",
            "intermediate",
            "advanced",
        ]
        assert standard.occupation.group.code == "2"
        assert sorted(standard.authorities.values_list("name", flat=True)) == [
            "Ministry of Human Resources and Social Security",
            "Ministry of Industry and Information Technology",
        ]
        assert standard.issued_on is None
    assert StandardLevel.objects.count() == 30
    assert set(standards.values_list("occupation__batch__slug", flat=True)) == {
        "first-batch-2019",
        "second-batch-2020",
        "third-batch-2020",
        "fourth-batch-2021",
    }
    assert standards.get(occupation__name="Digital Management Professionals")


def test_the_level_sets_are_written_by_the_registry_workflow_as_the_system(loaded):
    """Once per standard, on the first load only: the fixture loaded twice."""
    steps = Transition.objects.filter(action="set_levels")
    assert steps.count() == 10
    assert {step.content_object for step in steps} == set(SkillStandard.objects.all())
    assert set(steps.values_list("action", "source", "target", "actor", "note")) == {
        (
            "set_levels",
            "",
            "technical",
            None,
            "Levels added: primary, intermediate, advanced. "
            "Seed import: standards/national-skill-standards.yaml.",
        )
    }


def test_a_standard_whose_kind_changes_in_its_file_gets_the_new_level_set(seed_copy):
    loadseeds("--path", str(seed_copy))
    path = seed_copy / "standards" / "national-skill-standards.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("kind: technical", "kind: skill", 1).replace(
            "levels: [primary, intermediate, advanced]",
            "levels: [level5, level4, level3, level2, level1]",
            1,
        ),
        encoding="utf-8",
    )

    output = loadseeds("--path", str(seed_copy))

    record = "standard 1 (National vocational and technical skills standard: Integrated Circuit"
    assert f"{record} Engineering Technicians): updated (kind)" in output
    assert f"{record} Engineering Technicians) levels: created" in output
    standard = SkillStandard.objects.get(
        occupation__name="Integrated Circuit Engineering Technicians"
    )
    assert [(lv.rank, lv.key, lv.kind) for lv in standard.levels.order_by("rank")] == [
        (rank, key, "skill")
        for rank, key in enumerate(["level5", "level4", "level3", "level2", "level1"], start=1)
    ]
    step = Transition.objects.for_object(standard).latest("pk")
    assert (step.source, step.target, step.actor) == ("technical", "skill", None)
    assert StandardLevel.objects.count() == 32


def test_the_2026_draft_list_is_in_review_with_its_twelve_proposed_drafts(loaded):
    consultation = Consultation.objects.get(slug="draft-list-2026")
    drafts = consultation.drafts.in_order()

    assert consultation.status == Consultation.Status.REVIEW
    assert consultation.closes_at == dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI)
    # No source states the opening; the article's "Updated 19:24" stamp is not it.
    assert consultation.opens_at is None
    assert consultation.comments_collected_elsewhere is True
    assert consultation.provenance["closes_at"]["basis"] == "inference"
    assert consultation.batch is None
    assert drafts.count() == 12
    assert set(drafts.values_list("status", flat=True)) == {DraftOccupation.Status.PROPOSED}
    assert [d.name for d in drafts.filter(green=True)] == [
        "Hydrogen Fuel Cell Manufacturers",
        "Water Electrolysis Hydrogen Production Operators",
    ]
    twin = drafts.first()
    assert twin.name == "Digital Twin Engineering Technician"
    assert twin.definition.startswith("A profession focused on developing, designing")
    # The text the public commented on is kept, so later revisions can be compared with it.
    assert twin.consulted_text == twin.text()
    assert twin.changes_since_consultation() == {}


def test_a_changed_seed_file_updates_only_that_record(seed_copy):
    loadseeds("--path", str(seed_copy))
    path = seed_copy / "batches" / "2019-first-batch.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        # The definition only: its quote stays the article's sentence.
        text.replace(
            'definition: "Personnel who control drones to complete designated flight tasks '
            'through remote control devices."',
            'definition: "Personnel who control drones to complete designated flight tasks '
            'through remote control devices!"',
        ),
        encoding="utf-8",
    )

    output = loadseeds("--path", str(seed_copy))

    assert "occupation 9 (Drone Pilots): updated (definition)" in output
    assert totals(output) == {"created": 0, "updated": 1, "unchanged": 170, "kept": 0}
    assert Occupation.objects.get(name="Drone Pilots").definition.endswith("devices!")


def test_reloading_keeps_what_staff_added_beyond_the_files(loaded):
    """A code given later in the admin is not in the files, so a reload leaves it alone."""
    occupation = Occupation.objects.get(name="Drone Pilots")
    occupation.code = "4-99-00-00"
    occupation.save()

    output = loadseeds()

    assert "nothing changed" in output
    assert Occupation.objects.get(pk=occupation.pk).code == "4-99-00-00"


def test_a_consultation_the_workflow_has_moved_on_is_left_as_it_is(loaded, editor, publisher):
    """After review and publication of the seeded draft list, loading again neither undoes
    the work nor fails: the consultation is reported as kept."""
    consultation = Consultation.objects.get(slug="draft-list-2026")
    first, *others = consultation.drafts.in_order()
    revise_draft(first, by=editor, changes={"proposed_code": "2-02-10-99"})
    accept_draft(first, by=editor)
    for draft in others:
        withdraw_draft(draft, by=editor, reason="Not retained after review.")
    publish_consultation(
        consultation,
        by=publisher,
        now=consultation.closes_at + dt.timedelta(days=30),
        slug="batch-2026",
        title="New occupations of 2026",
        announced_on=dt.date(2026, 9, 1),
        announced_precision="month",
    )
    before = snapshot()

    output = loadseeds()

    assert snapshot() == before
    assert totals(output) == {"created": 0, "updated": 0, "unchanged": 158, "kept": 13}
    assert (
        "consultations/2026-draft-list.yaml: consultation: kept as the workflow left it "
        "(differs from the file: status)" in output
    )
    assert "draft 1 (Digital Twin Engineering Technician): kept" in output
    assert Consultation.objects.get(slug="draft-list-2026").status == "published"


def test_the_history_is_released_once_however_often_it_is_loaded(loaded):
    """The fixture loaded twice: the second load had nothing to release."""
    releases = Transition.objects.filter(action="issue_release")
    assert releases.count() == 7
    assert {step.actor for step in releases} == {None}
    assert not Transition.objects.exclude(action__in=["set_levels", "issue_release"]).exists()


def test_the_2026_drafts_are_called_a_press_summary_not_the_consulted_text(loaded, client):
    consultation = Consultation.objects.get(slug="draft-list-2026")

    assert consultation.text_source == Consultation.TextSource.PRESS_SUMMARY
    page = client.get(f"/consultations/{consultation.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "a press report's summary of the draft list" in text
    assert "not the wording the public commented on" in text


def test_the_occupation_page_lists_its_job_types_with_their_other_names(loaded, client):
    marketers = Occupation.objects.get(name="Internet Marketing Specialists")

    page = client.get(marketers.get_absolute_url()).content.decode()

    assert '<span lang="en">Live Sales Personnel</span>' in page
    assert '<span lang="en">Livestreaming Salesperson</span>' in page


def test_every_seed_occupation_is_at_version_1_once_however_often_loaded(loaded):
    occupations = list(Occupation.objects.select_related("batch"))
    assert occupations
    versions = {v.occupation_id: v for v in OccupationVersion.objects.all()}
    # Loaded twice, one version each.
    assert OccupationVersion.objects.count() == len(occupations)
    for occupation in occupations:
        assert occupation.version == 1
        assert (versions[occupation.pk].number, versions[occupation.pk].batch) == (
            1,
            occupation.batch,
        )
    marketers = Occupation.objects.get(name="Internet Marketing Specialists")
    text = versions[marketers.pk].text
    assert text["job_types"] == ["Live Sales Personnel"]
    (live_sales,) = marketers.job_type_records.all()
    assert live_sales.batch.number == 3


def test_the_online_marketers_job_type_is_a_third_batch_record_in_the_api(loaded, client):
    marketers = Occupation.objects.get(name="Internet Marketing Specialists")
    record = client.get(f"/api/v1/occupations/{marketers.pk}/").json()
    (live_sales,) = record["job_type_records"]
    third = Batch.objects.get(number=3)
    assert (live_sales["name"], live_sales["batch"]) == ("Live Sales Personnel", third.slug)
    assert live_sales["other_names"] == ["Livestreaming Salesperson"]
    assert record["version"] == 1
    versions = client.get(f"/api/v1/occupations/{marketers.pk}/versions/").json()
    assert [(v["version"], v["batch"]) for v in versions] == [(1, marketers.batch.slug)]
