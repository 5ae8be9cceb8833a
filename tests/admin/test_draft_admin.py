"""Drafts in the admin: revision through the workflow with history and a side-by-side diff;
accept, withdraw and reinstate per role; import from a spreadsheet with a preview."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consult.models import Consultation, DraftOccupation
from consult.workflow.consultations import begin_review, open_consultation
from occupations.models import Transition
from tests.admin.conftest import messages_of
from tests.factories import ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def url(name, pk):
    return reverse(f"admin:consult_draftoccupation_{name}", args=[pk])


@pytest.fixture
def in_consultation(superuser):
    """A proposed draft of a consultation opened to the public through the workflow."""
    consultation = ConsultationFactory()
    draft = DraftOccupationFactory(
        consultation=consultation,
        name="Hydrogen producer",
        tasks=["Inspect equipment.", "Record readings."],
    )
    open_consultation(consultation, by=superuser, now=timezone.now())
    return DraftOccupation.objects.get(pk=draft.pk)


@pytest.fixture
def in_review(in_consultation, superuser):
    """The same draft once the review has begun after the window (through the workflow)."""
    consultation = in_consultation.consultation
    begin_review(consultation, by=superuser, now=consultation.closes_at + SECOND)
    return DraftOccupation.objects.get(pk=in_consultation.pk)


def revise_data(draft, **changes):
    data = {
        "name": draft.name,
        "proposed_code": draft.proposed_code,
        "definition": draft.definition,
        "tasks": "\n".join(draft.tasks),
        "job_types": "\n".join(draft.job_types),
        "alternative_names": "",
        "note": "",
    }
    data.update(changes)
    return data


def test_an_editor_revises_a_draft_in_review(client_for, editor, in_review):
    client = client_for(editor)
    assert client.get(url("revise", in_review.pk)).status_code == 200
    response = client.post(
        url("revise", in_review.pk),
        revise_data(
            in_review,
            tasks="Inspect equipment.\nRecord readings every hour.",
            proposed_code="6-28-01-17",
            note="Task 2 reworded after comments",
        ),
    )
    assert response.status_code == 302
    assert "Revised: proposed_code, tasks." in messages_of(response)
    in_review.refresh_from_db()
    assert in_review.tasks == ["Inspect equipment.", "Record readings every hour."]
    assert in_review.history.first().history_change_reason == "Task 2 reworded after comments"
    assert Transition.objects.filter(action="revise").count() == 1


def test_an_editor_revises_the_labels_in_each_language_in_review(client_for, editor, in_review):
    client = client_for(editor)
    form = client.get(url("revise", in_review.pk)).content.decode()
    for name in ("language", "translated_name", "translated_alternative_names"):
        assert f'name="{name}"' in form
    response = client.post(
        url("revise", in_review.pk),
        revise_data(
            in_review,
            name="氢能生产员",
            alternative_names="制氢工",
            language="zh-hans",
            translated_name="Hydrogen producer",
            translated_alternative_names="Hydrogen maker\nElectrolysis operator",
            note="English name kept beside the Chinese one",
        ),
    )
    assert response.status_code == 302
    assert (
        "Revised: name, alternative_names, translated_name, translated_alternative_names."
        in messages_of(response)
    )
    in_review.refresh_from_db()
    assert (in_review.name, in_review.alternative_names, in_review.language) == (
        "氢能生产员",
        ["制氢工"],
        "zh-hans",
    )
    assert in_review.translated_name == "Hydrogen producer"
    assert in_review.translated_alternative_names == ["Hydrogen maker", "Electrolysis operator"]
    revision = in_review.history.first()
    assert revision.history_change_reason == "English name kept beside the Chinese one"
    assert revision.translated_name == "Hydrogen producer"
    (step,) = Transition.objects.filter(action="revise")
    assert step.note == "English name kept beside the Chinese one"


def test_a_bad_language_in_review_is_refused_on_its_field(client_for, editor, in_review):
    response = client_for(editor).post(
        url("revise", in_review.pk),
        revise_data(in_review, language="fr", translated_name="Producteur d’hydrogène"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["language"]
    in_review.refresh_from_db()
    assert (in_review.language, in_review.translated_name) == ("zh-hans", "")
    assert not Transition.objects.filter(action="revise").exists()


def test_a_malformed_code_is_refused_on_its_field(client_for, editor, in_review):
    response = client_for(editor).post(
        url("revise", in_review.pk), revise_data(in_review, proposed_code="62801")
    )
    assert response.status_code == 200
    assert "D-DD-DD-DD" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.proposed_code == ""


def test_revising_while_the_public_reads_is_refused(client_for, editor, in_consultation):
    in_review = in_consultation
    response = client_for(editor).post(
        url("revise", in_review.pk), revise_data(in_review, name="Hydrogen maker")
    )
    assert response.status_code == 200
    assert "not while the consultation is public consultation" in " ".join(messages_of(response))
    in_review.refresh_from_db()
    assert in_review.name == "Hydrogen producer"


@pytest.mark.parametrize("role", ["moderator", "publisher"])
def test_other_roles_may_not_revise(client_for, in_review, role, request):
    response = client_for(request.getfixturevalue(role)).post(
        url("revise", in_review.pk), revise_data(in_review, name="Hydrogen maker")
    )
    assert "consult.change_draftoccupation" in messages_of(response)[0]
    in_review.refresh_from_db()
    assert in_review.name == "Hydrogen producer"


def test_the_change_form_has_no_text_or_status_inputs(client_for, editor, in_review):
    body = client_for(editor).get(url("change", in_review.pk)).content.decode()
    assert 'name="name"' not in body and 'name="status"' not in body
    assert 'name="notes"' in body
    assert url("revise", in_review.pk) in body and url("accept", in_review.pk) in body


def test_the_diff_shows_consulted_and_current_text_side_by_side(client_for, editor, in_review):
    DraftOccupation.objects.filter(pk=in_review.pk).update(
        definition="Personnel who run hydrogen production plants.",
        tasks=["Inspect equipment.", "Record readings every hour."],
    )
    body = client_for(editor).get(url("changes", in_review.pk)).content.decode()
    assert "Text the public commented on" in body and "Current text" in body
    assert "every&nbsp;hour" in body and "diff_add" in body
    assert "main tasks" in body.lower() and "definition" in body.lower()


def test_the_history_is_listed_and_read_only(client_for, editor, in_review):
    client = client_for(editor)
    client.post(url("revise", in_review.pk), revise_data(in_review, name="Hydrogen maker"))
    history = client.get(url("history", in_review.pk))
    assert history.status_code == 200
    assert "Hydrogen maker" in history.content.decode()
    version = in_review.history.last().history_id
    form_url = reverse("admin:consult_draftoccupation_simple_history", args=[in_review.pk, version])
    assert client.get(form_url).status_code == 200
    client.post(form_url, {"notes": "reverted"})
    in_review.refresh_from_db()
    assert in_review.name == "Hydrogen maker"


# Accept, withdraw, reinstate ----------------------------------------------------------------


def test_an_editor_accepts_withdraws_and_reinstates(client_for, editor, in_review):
    client = client_for(editor)
    assert client.post(url("accept", in_review.pk), {"confirm": "1"}).status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == "accepted"
    response = client.post(url("withdraw", in_review.pk), {"reason": "Duplicates 4-04-05-03."})
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert (in_review.status, in_review.withdrawal_reason) == (
        "withdrawn",
        "Duplicates 4-04-05-03.",
    )
    assert client.post(url("reinstate", in_review.pk), {"confirm": "1"}).status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == "proposed"


def test_a_withdrawal_needs_a_reason(client_for, editor, in_review):
    response = client_for(editor).post(url("withdraw", in_review.pk), {"reason": "  "})
    assert response.status_code == 200
    in_review.refresh_from_db()
    assert in_review.status == "proposed"


def test_accepting_outside_review_is_refused(client_for, editor, in_consultation):
    in_review = in_consultation
    response = client_for(editor).post(url("accept", in_review.pk), {"confirm": "1"})
    assert response.status_code == 200
    assert "Drafts are accepted during review." in messages_of(response)
    in_review.refresh_from_db()
    assert in_review.status == "proposed"


@pytest.mark.parametrize("step", ["accept", "withdraw", "reinstate"])
@pytest.mark.parametrize("role", ["moderator", "publisher"])
def test_other_roles_may_not_decide_drafts(client_for, in_review, role, step, request):
    response = client_for(request.getfixturevalue(role)).post(
        url(step, in_review.pk), {"confirm": "1", "reason": "No."}
    )
    assert "may not" in messages_of(response)[0]
    in_review.refresh_from_db()
    assert in_review.status == "proposed"


def test_bulk_accept_and_withdraw(client_for, editor, in_review):
    other = DraftOccupationFactory(
        consultation=in_review.consultation, status=DraftOccupation.Status.PROPOSED
    )
    client = client_for(editor)
    changelist = reverse("admin:consult_draftoccupation_changelist")
    selected = {"_selected_action": [in_review.pk, other.pk]}
    response = client.post(changelist, {"action": "accept_action", **selected})
    assert "2 drafts accepted." in messages_of(response)
    page = client.post(changelist, {"action": "withdraw_action", **selected})
    assert page.status_code == 200 and "internal note (staff only)" in page.content.decode().lower()
    response = client.post(
        changelist, {"action": "withdraw_action", "apply": "1", "reason": "Merged.", **selected}
    )
    assert "2 drafts withdrawn." in messages_of(response)
    assert set(DraftOccupation.objects.values_list("status", flat=True)) == {"withdrawn"}


def test_a_moderator_has_no_draft_actions(client_for, moderator, in_review):
    response = client_for(moderator).post(
        reverse("admin:consult_draftoccupation_changelist"),
        {"action": "accept_action", "_selected_action": [in_review.pk]},
    )
    assert "does not allow" in messages_of(response)[0]
    in_review.refresh_from_db()
    assert in_review.status == "proposed"


# Import -------------------------------------------------------------------------------------

CSV = (
    "consultation,position,name,proposed_code,definition,tasks,job_types,green,digital\n"
    "draft-list-2026,3,Carbon accountant,,Personnel who account for emissions.,"
    '"Count carbon; Report emissions",Verifier;Auditor,yes,\n'
)


def import_csv(client, content: str):
    upload = SimpleUploadedFile("drafts.csv", content.encode(), content_type="text/csv")
    return client.post(
        reverse("admin:consult_draftoccupation_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )


def confirm_import(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(reverse("admin:consult_draftoccupation_process_import"), data)


def test_an_editor_imports_drafts_with_a_preview(client_for, editor, drafting):
    client = client_for(editor)
    preview = import_csv(client, CSV)
    assert preview.status_code == 200
    assert "Carbon accountant" in preview.content.decode()
    assert drafting.drafts.count() == 2  # the preview changes nothing
    response = confirm_import(client, preview)
    assert response.status_code == 302
    draft = drafting.drafts.get(position=3)
    assert draft.tasks == ["Count carbon", "Report emissions"]
    assert draft.job_types == ["Verifier", "Auditor"]
    assert (draft.green, draft.digital, draft.status) == (True, False, "draft")


def test_import_refuses_rows_for_a_consultation_past_drafting(client_for, editor, in_review):
    Consultation.objects.filter(pk=in_review.consultation_id).update(slug="open-one")
    preview = import_csv(client_for(editor), CSV.replace("draft-list-2026", "open-one"))
    body = preview.content.decode()
    assert "drafts are added only while drafting" in body
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert DraftOccupation.objects.count() == 1


def test_import_refuses_a_taken_position(client_for, editor, drafting):
    preview = import_csv(client_for(editor), CSV.replace(",3,", ",1,"))
    assert "already taken" in preview.content.decode()
    assert drafting.drafts.count() == 2


def test_drafts_import_from_xlsx_with_one_task_per_line(client_for, editor, drafting):
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["consultation", "position", "name", "tasks", "job_types", "green", "digital"])
    sheet.append(["draft-list-2026", 4, "Drone pilot", "Plan flights.\nFly; safely.", "", 0, 1])
    buffer = BytesIO()
    workbook.save(buffer)
    client = client_for(editor)
    upload = SimpleUploadedFile("drafts.xlsx", buffer.getvalue())
    preview = client.post(
        reverse("admin:consult_draftoccupation_import"),
        {"import_file": upload, "format": "1", "resource": "0"},
    )
    assert "Drone pilot" in preview.content.decode()
    confirm_import(client, preview)
    draft = drafting.drafts.get(position=4)
    assert draft.tasks == ["Plan flights.", "Fly; safely."]
    assert (draft.green, draft.digital) == (False, True)


def test_a_moderator_may_not_import(client_for, moderator, drafting):
    response = import_csv(client_for(moderator), CSV)
    assert response.status_code == 403
    assert drafting.drafts.count() == 2
