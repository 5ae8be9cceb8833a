"""Not yet included (``consult.workflow.similar``): the nearest published occupations, job types and
pending drafts of a draft, most similar first; a draft that near is saved only with a written
justification, through the admin's add form, the spreadsheet import and ``revise_draft``; the
justification is published on the consultation page and in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consult.models import Consultation, DraftOccupation
from consult.workflow import drafts as draft_steps
from consult.workflow import similar
from core.errors import InvalidTransition
from tests.factories import (
    ConsultationFactory,
    DraftOccupationFactory,
    OccupationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OTHER_DEFINITION = "Workers who blend aromatic woods into incense by hand."


@pytest.fixture
def registry():
    """Published occupations (one with a job type), another consultation's pending and
    withdrawn drafts."""
    pilots = OccupationFactory(
        name="Drone Pilots",
        code="4-99-00-00",
        translated_name="无人机驾驶员",
        definition="Personnel who fly unmanned aircraft for surveying and spraying.",
        job_types=["Agricultural drone pilot"],
    )
    OccupationFactory(
        name="Drone Assembly and Maintenance Workers",
        definition="Personnel who assemble, adjust and repair unmanned aircraft.",
    )
    OccupationFactory(name="Esports Players", definition="Athletes of electronic games.")
    elsewhere = ConsultationFactory(title="Draft list 2027")
    DraftOccupationFactory(
        consultation=elsewhere,
        name="低空飞行器驾驶员",
        language="zh-hans",
        translated_name="Low-altitude aircraft pilot",
        definition="从事低空飞行器驾驶的人员。",
    )
    withdrawn = DraftOccupationFactory(
        consultation=elsewhere, name="Drone Pilot Trainers", definition=OTHER_DEFINITION
    )
    DraftOccupation.objects.filter(pk=withdrawn.pk).update(
        status=DraftOccupation.Status.WITHDRAWN, withdrawal_reason="Not new."
    )
    return pilots


def test_the_nearest_list_is_most_similar_first_with_published_job_types_and_drafts(registry):
    consultation = ConsultationFactory()
    draft = DraftOccupation(
        consultation=consultation,
        position=1,
        name="Drone Pilot",
        alternative_names=["Agricultural Drone Pilot"],
        definition=OTHER_DEFINITION,
    )
    near = similar.nearest_to(draft)
    assert [(c.name, c.kind) for c in near] == [
        ("Agricultural drone pilot", "job_type"),
        ("Drone Pilots", "occupation"),
    ]
    assert near[0].similarity == 1.0 and near[0].under == "Drone Pilots"
    assert 0.8 < near[1].similarity < 1.0
    assert near[1].url == reverse("occupation-detail", args=[registry.pk])
    assert near[1].code == "4-99-00-00"
    # Withdrawn drafts and drafts of the draft's own consultation are never listed.
    DraftOccupationFactory(consultation=consultation, name="Drone Pilots")
    assert "Drone Pilot Trainers" not in {c.name for c in similar.nearest_to(draft)}
    assert [c.kind for c in similar.nearest_to(draft)] == ["job_type", "occupation"]


def test_chinese_names_and_definitions_are_compared_too(registry):
    chinese = DraftOccupation(
        consultation=ConsultationFactory(), position=1, name="无人机驾驶人员", definition=""
    )
    assert [c.name for c in similar.nearest_to(chinese)][:1] == ["Drone Pilots"]
    same_definition = DraftOccupation(
        consultation=ConsultationFactory(),
        position=1,
        name="Sky pilot",
        definition="从事低空飞行器驾驶的人员。",
    )
    near = similar.nearest_to(same_definition)
    assert [(c.name, c.kind, c.under) for c in near] == [
        ("低空飞行器驾驶员", "draft", "Draft list 2027")
    ]


def test_below_the_threshold_nothing_is_required(registry):
    draft = DraftOccupation(
        consultation=ConsultationFactory(),
        position=1,
        name="Incense Artisans",
        definition=OTHER_DEFINITION,
    )
    assert similar.nearest_to(draft) == []
    draft.full_clean(exclude=["status"])  # no justification needed
    draft.save()


# The admin -----------------------------------------------------------------------------------


def _add(client: Client, consultation: Consultation, **data):
    return client.post(
        reverse("admin:consult_draftoccupation_add"),
        {
            "consultation": consultation.pk,
            "position": 5,
            "kind": "new_occupation",
            "name": "Drone Pilot",
            "proposed_code": "",
            "definition": OTHER_DEFINITION,
            "tasks": "Fly.",
            "job_types": "",
            "alternative_names": "Agricultural Drone Pilot",
            "language": "en",
            "translated_name": "",
            "translated_alternative_names": "",
            "green": "unknown",
            "digital": "unknown",
            "group": "",
            "justification": "",
            "sources": "[]",
            "notes": "",
            **data,
        },
    )


@pytest.fixture
def editors():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(username="editor", roles=["Editors"]))
    return client


def test_the_admin_refuses_a_near_draft_without_a_justification_and_saves_it_with_one(
    registry, editors
):
    consultation = ConsultationFactory()
    refused = _add(editors, consultation)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors["justification"]
    assert "Drone Pilots (4-99-00-00)" in errors[0] and "Agricultural drone pilot" in errors[0]
    assert not consultation.drafts.exists()

    # An empty sources box is no source (it was a 500: null in a column that refuses it).
    saved = _add(
        editors, consultation, justification="Pilots of passenger drones only.", sources=""
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    draft = consultation.drafts.get()
    assert draft.justification == "Pilots of passenger drones only."

    page = editors.get(reverse("admin:consult_draftoccupation_change", args=[draft.pk]))
    body = page.content.decode()
    panel = body[body.index('class="nearest"') :]
    assert panel.index("Agricultural drone pilot") < panel.index("Drone Pilots")
    assert reverse("occupation-detail", args=[registry.pk]) in panel
    assert "4-99-00-00" in panel and "100%" in panel


def test_the_refusal_speaks_chinese(registry):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(UserFactory(username="editor", roles=["Editors"]))
    refused = _add(client, ConsultationFactory())
    error = refused.context["adminform"].form.errors["justification"][0]
    assert "需要说明理由" in error and "Drone Pilots" in error


def test_a_draft_below_the_threshold_needs_no_justification(registry, editors):
    consultation = ConsultationFactory()
    saved = _add(editors, consultation, name="Incense Artisans", alternative_names="")
    assert saved.status_code == 302
    assert consultation.drafts.get().justification == ""


def test_renaming_a_draft_near_a_record_needs_a_justification(registry):
    editor = UserFactory(username="editor", roles=["Editors"])
    draft = DraftOccupationFactory(name="Incense Artisans", definition=OTHER_DEFINITION)
    with pytest.raises(InvalidTransition) as refused:
        draft_steps.revise_draft(draft, by=editor, changes={"name": "Drone Pilot"})
    assert refused.value.field == "justification"
    draft.refresh_from_db()
    assert draft.name == "Incense Artisans"
    # A change that leaves the compared texts alone is not asked again.
    draft_steps.revise_draft(draft, by=editor, changes={"tasks": ["Blend."]})
    draft_steps.revise_draft(
        draft,
        by=editor,
        changes={"name": "Drone Pilot", "justification": "Passenger drones only."},
    )
    draft.refresh_from_db()
    assert (draft.name, draft.justification) == ("Drone Pilot", "Passenger drones only.")


def test_the_admin_revise_page_refuses_a_near_name_on_the_justification_field(registry, editors):
    draft = DraftOccupationFactory(name="Incense Artisans", definition=OTHER_DEFINITION)
    data = {
        "name": "Drone Pilot",
        "proposed_code": "",
        "definition": OTHER_DEFINITION,
        "tasks": "Fly.",
        "job_types": "",
        "alternative_names": "",
        "language": "en",
        "translated_name": "",
        "translated_alternative_names": "",
        "green": "unknown",
        "digital": "unknown",
        "group": "",
        "justification": "",
        "note": "",
    }
    url = reverse("admin:consult_draftoccupation_revise", args=[draft.pk])
    refused = editors.post(url, data)
    assert refused.status_code == 200
    assert "Drone Pilots (4-99-00-00)" in refused.context["form"].errors["justification"][0]
    saved = editors.post(url, {**data, "justification": "Passenger drones only."})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.justification) == ("Drone Pilot", "Passenger drones only.")


def _import(client: Client, justification: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        "consultation,position,name,definition,tasks,justification\n"
        f'import-list,1,Drone Pilot,{OTHER_DEFINITION},Fly.,"{justification}"\n'
    )
    upload = SimpleUploadedFile("drafts.csv", content.encode(), content_type="text/csv")
    return client.post(
        reverse("admin:consult_draftoccupation_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )


def test_the_import_preview_refuses_a_near_row_naming_the_matches(registry, editors):
    consultation = ConsultationFactory(slug="import-list")
    refused = _import(editors, "")
    body = refused.content.decode()
    assert "justification" in body and "Drone Pilots (4-99-00-00)" in body
    assert refused.context.get("confirm_form") is None
    accepted = _import(editors, "Passenger drones only.")
    assert accepted.context["confirm_form"] is not None
    assert not consultation.drafts.exists()  # a preview changes nothing


# Publication ---------------------------------------------------------------------------------


def test_the_justification_is_published_on_the_page_and_in_the_api(registry):
    consultation = ConsultationFactory(slug="list-2028", status=Consultation.Status.CONSULTATION)
    DraftOccupationFactory(
        consultation=consultation,
        name="Drone Pilot",
        status=DraftOccupation.Status.PROPOSED,
        justification="Pilots of passenger drones, which no occupation covers.",
    )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("consultation-detail", kwargs={"slug": "list-2028"})
    )
    body = page.content.decode()
    assert "Why this is a new occupation" in body
    assert "Pilots of passenger drones, which no occupation covers." in body
    with translation.override("zh-hans"):
        chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(
            reverse("consultation-detail", kwargs={"slug": "list-2028"})
        )
    assert "为何是新职业" in chinese.content.decode()

    listed = Client().get("/api/v1/consultations/").json()
    (entry,) = [c for c in listed["results"] if c["slug"] == "list-2028"]
    assert entry["occupations"][0]["justification"] == (
        "Pilots of passenger drones, which no occupation covers."
    )


def test_a_change_to_a_published_occupation_needs_no_justification(registry):
    # A revision is near the occupation it revises by design; only additions are checked.
    draft = DraftOccupationFactory.build(  # unsaved: a draft being added
        consultation=ConsultationFactory(),
        name=registry.name,
        kind=DraftOccupation.Kind.REVISION,
        target=registry,
    )
    assert similar.justification_error(draft) is None
    draft.kind = DraftOccupation.Kind.NEW_OCCUPATION
    draft.target = None
    assert similar.justification_error(draft) is not None
