"""Registry admin: published records read-only, standards attached through the workflow,
level sets and weight tables checked by the workflow's validators and written (and logged) by
it, the log read-only."""

import pytest
from django.urls import reverse

from occupations.models import LevelWeight, SkillStandard, StandardLevel, Transition
from occupations.workflow import attach_skill_standard
from tests.admin.conftest import messages_of
from tests.factories import AuthorityFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def occupation():
    return OccupationFactory(code="2-02-10-07", name="Blockchain engineer")


@pytest.fixture
def standard(occupation, superuser):
    return attach_skill_standard(
        occupation, by=superuser, title="Blockchain engineer standard", kind="technical"
    )


def add_url(occupation):
    return reverse("admin:occupations_skillstandard_add") + f"?occupation={occupation.pk}"


STANDARD = {
    "title": "National standard for blockchain engineers",
    "kind": "technical",
    "edition": "2021",
    "issued_on": "2021-11-01",
    "issued_precision": "month",
    "directions": "Platform\nApplications",
    "notes": "",
}


def test_published_records_are_read_only(client_for, superuser, occupation):
    client = client_for(superuser)
    change = reverse("admin:occupations_occupation_change", args=[occupation.pk])
    body = client.get(change).content.decode()
    assert 'name="name"' not in body
    assert "Attach a skill standard" in body
    response = client.post(change, {"name": "Renamed"})
    assert response.status_code == 403
    occupation.refresh_from_db()
    assert occupation.name == "Blockchain engineer"
    batch = reverse("admin:occupations_batch_change", args=[occupation.batch_id])
    assert 'name="title"' not in client.get(batch).content.decode()
    assert client.get(reverse("admin:occupations_occupation_add")).status_code == 403


def test_a_publisher_attaches_a_standard(client_for, publisher, occupation):
    authority = AuthorityFactory()
    client = client_for(publisher)
    assert client.get(add_url(occupation)).status_code == 200
    response = client.post(add_url(occupation), {**STANDARD, "authorities": [authority.pk]})
    assert response.status_code == 302
    standard = SkillStandard.objects.get()
    assert standard.occupation == occupation
    assert standard.directions == ["Platform", "Applications"]
    assert [level.key for level in standard.levels.all()] == [
        "primary",
        "intermediate",
        "advanced",
    ]
    assert list(standard.authorities.all()) == [authority]
    assert Transition.objects.filter(action="attach_standard").count() == 1


def test_a_date_with_the_wrong_precision_is_refused_on_its_field(client_for, publisher, occupation):
    response = client_for(publisher).post(
        add_url(occupation), {**STANDARD, "issued_on": "2021-11-15"}
    )
    assert response.status_code == 200
    assert "given as its first day" in response.content.decode()
    assert not SkillStandard.objects.exists()


def test_a_duplicate_title_is_refused(client_for, publisher, occupation, standard):
    response = client_for(publisher).post(
        add_url(occupation), {**STANDARD, "title": standard.title}
    )
    assert response.status_code == 200
    assert "already has a standard titled" in response.content.decode()
    assert SkillStandard.objects.count() == 1


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_other_roles_may_not_attach_standards(client_for, occupation, role, request):
    response = client_for(request.getfixturevalue(role)).post(add_url(occupation), STANDARD)
    assert response.status_code == 403
    assert not SkillStandard.objects.exists()


def test_the_add_view_without_an_occupation_explains(client_for, publisher):
    response = client_for(publisher).get(reverse("admin:occupations_skillstandard_add"))
    assert response.status_code == 302
    assert "Choose a published occupation" in messages_of(response)[0]


def level_formset(standard, keys, *, delete=()):
    levels = list(standard.levels.all())
    data = {
        "title": standard.title,
        "edition": "",
        "issued_on": "",
        "issued_precision": "day",
        "directions": "",
        "notes": "",
        "levels-TOTAL_FORMS": str(len(keys)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for i, key in enumerate(keys):
        data[f"levels-{i}-key"] = key
        data[f"levels-{i}-standard"] = str(standard.pk)
        if i < len(levels):
            data[f"levels-{i}-id"] = str(levels[i].pk)
        if i in delete:
            data[f"levels-{i}-DELETE"] = "on"
    return data


def test_the_level_set_is_checked_against_the_kind(client_for, publisher, standard):
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    response = client_for(publisher).post(
        change, level_formset(standard, ["primary", "intermediate", "advanced"], delete=[2])
    )
    assert response.status_code == 200
    assert "has exactly the levels primary, intermediate, advanced" in response.content.decode()
    assert standard.levels.count() == 3


def test_a_valid_level_set_saves(client_for, publisher, standard):
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    data = level_formset(standard, ["primary", "intermediate", "advanced"])
    data["edition"] = "2022"
    response = client_for(publisher).post(change, data)
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.edition == "2022"
    assert [(lv.rank, lv.key) for lv in standard.levels.all()] == [
        (1, "primary"),
        (2, "intermediate"),
        (3, "advanced"),
    ]
    # The levels were not touched: no level step is logged.
    assert not Transition.objects.filter(action="set_levels").exists()


def test_a_level_deleted_and_added_again_starts_empty_and_is_logged(
    client_for, publisher, standard
):
    advanced = standard.levels.get(key="advanced")
    LevelWeight.objects.create(level=advanced, category="skill", item="Old", weight=100)
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    data = level_formset(standard, ["primary", "intermediate", "advanced", "advanced"], delete=[2])
    data["levels-3-standard"] = str(standard.pk)

    response = client_for(publisher).post(change, data)

    assert response.status_code == 302
    assert [(lv.rank, lv.key) for lv in standard.levels.all()] == [
        (1, "primary"),
        (2, "intermediate"),
        (3, "advanced"),
    ]
    assert not LevelWeight.objects.exists()
    step = Transition.objects.get(action="set_levels")
    assert (step.content_object, step.actor, step.note) == (
        standard,
        publisher,
        "Tables replaced: advanced.",
    )


def test_a_missing_level_added_in_the_admin_is_logged(client_for, publisher, standard):
    standard.levels.filter(key="advanced").delete()
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    data = level_formset(standard, ["primary", "intermediate", "advanced"])
    data["levels-2-standard"] = str(standard.pk)

    response = client_for(publisher).post(change, data)

    assert response.status_code == 302
    assert [(lv.rank, lv.key) for lv in standard.levels.all()] == [
        (1, "primary"),
        (2, "intermediate"),
        (3, "advanced"),
    ]
    step = Transition.objects.get(action="set_levels")
    assert (step.actor, step.note) == (publisher, "Levels added: advanced.")


def tables(requirements, weights):
    data = {
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "weights-TOTAL_FORMS": str(len(weights)),
        "weights-INITIAL_FORMS": "0",
        "weights-MIN_NUM_FORMS": "0",
        "weights-MAX_NUM_FORMS": "1000",
    }
    for i, (position, area) in enumerate(requirements):
        data.update({f"requirements-{i}-position": position, f"requirements-{i}-work_area": area})
    for i, (category, item, weight) in enumerate(weights):
        data.update(
            {
                f"weights-{i}-category": category,
                f"weights-{i}-item": item,
                f"weights-{i}-weight": weight,
            }
        )
    return data


def test_level_tables_are_saved_and_logged(client_for, publisher, standard):
    level = standard.levels.get(key="primary")
    url = reverse("admin:occupations_standardlevel_change", args=[level.pk])
    response = client_for(publisher).post(
        url,
        tables(
            [(2, "Deployment"), (1, "Design")],
            [("knowledge", "Basics", 40), ("knowledge", "Chains", 60)],
        ),
    )
    assert response.status_code == 302
    assert list(level.requirements.values_list("position", "work_area")) == [
        (1, "Design"),
        (2, "Deployment"),
    ]
    assert sorted(LevelWeight.objects.values_list("weight", flat=True)) == [40, 60]
    step = Transition.objects.get(action="set_levels")
    assert (step.actor, step.note) == (publisher, "Tables replaced: primary.")


def test_weights_must_sum_to_100(client_for, publisher, standard):
    level = standard.levels.get(key="primary")
    url = reverse("admin:occupations_standardlevel_change", args=[level.pk])
    response = client_for(publisher).post(
        url, tables([], [("knowledge", "Basics", 40), ("knowledge", "Chains", 50)])
    )
    assert response.status_code == 200
    assert "sum to 90, not 100" in response.content.decode()
    assert not LevelWeight.objects.exists()


def test_an_editor_sees_levels_but_cannot_change_tables(client_for, editor, standard):
    level = standard.levels.get(key="primary")
    url = reverse("admin:occupations_standardlevel_change", args=[level.pk])
    response = client_for(editor).post(url, tables([], [("knowledge", "All", 100)]))
    assert response.status_code == 403
    assert not LevelWeight.objects.exists()
    assert StandardLevel.objects.count() == 3


def test_the_transition_log_is_read_only(client_for, superuser, standard):
    client = client_for(superuser)
    transition = Transition.objects.get()
    assert client.get(reverse("admin:occupations_transition_add")).status_code == 403
    change = reverse("admin:occupations_transition_change", args=[transition.pk])
    assert client.post(change, {"note": "edited"}).status_code == 403
    delete = reverse("admin:occupations_transition_delete", args=[transition.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Transition.objects.get().note == ""
    jump = reverse("admin:occupations_transition_object", args=[transition.pk])
    assert client.get(jump)["Location"] == reverse(
        "admin:occupations_skillstandard_change", args=[standard.pk]
    )


def test_swapping_level_keys_is_refused_with_a_message(client_for, publisher, standard):
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    response = client_for(publisher).post(
        change, level_formset(standard, ["intermediate", "primary", "advanced"])
    )
    assert response.status_code == 302
    assert "cannot swap keys" in messages_of(response)[0]
    assert [lv.key for lv in standard.levels.order_by("rank")] == [
        "primary",
        "intermediate",
        "advanced",
    ]


def test_a_standard_without_an_issue_date_is_saved_without_a_precision(
    client_for, publisher, standard
):
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    keys = [level.key for level in standard.levels.all()]
    response = client_for(publisher).post(change, level_formset(standard, keys))

    assert response.status_code == 302
    standard.refresh_from_db()
    assert (standard.issued_on, standard.issued_precision) == (None, None)


def test_a_dated_standard_needs_its_precision(client_for, publisher, standard):
    change = reverse("admin:occupations_skillstandard_change", args=[standard.pk])
    keys = [level.key for level in standard.levels.all()]
    data = {**level_formset(standard, keys), "issued_on": "2021-03-01", "issued_precision": ""}
    response = client_for(publisher).post(change, data)

    assert response.status_code == 200
    assert "Say how much of the issue date is known" in response.content.decode()


def test_the_occupation_page_shows_its_job_types_read_only(client_for, publisher, standard):
    from occupations.models import JobType

    occupation = standard.occupation
    JobType.objects.create(
        occupation=occupation,
        batch=occupation.batch,
        position=1,
        name="Live Sales Personnel",
        other_names=["Livestreaming Salesperson"],
        sources=[{"file": "000.txt", "quote": "Live Sales Personnel"}],
    )
    page = client_for(publisher).get(
        reverse("admin:occupations_occupation_change", args=[occupation.pk])
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "Live Sales Personnel" in text and "Livestreaming Salesperson" in text
    assert "000.txt: Live Sales Personnel" in text
    assert 'name="job_type_records-0-name"' not in text  # shown, not editable
