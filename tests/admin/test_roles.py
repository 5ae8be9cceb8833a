"""Every admin page answers every role with a page, a redirect or a refusal, never an error;
and each role sees the steps that belong to it."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from consult.models import Attachment, Consultation, DraftOccupation
from occupations.models import Transition
from occupations.workflow import attach_skill_standard
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["editor", "moderator", "publisher", "outsider", "superuser"]


@pytest.fixture
def world(superuser):
    objects = {}
    for status in Consultation.Status.values:
        if status == "published":
            continue
        consultation = ConsultationFactory(status=status)
        draft = DraftOccupationFactory(
            consultation=consultation,
            status="draft" if status == "drafting" else "proposed",
        )
        if status != "drafting":
            DraftOccupation.objects.filter(pk=draft.pk).update(consulted_text=draft.text())
        objects[status] = (consultation, draft)
    consultation, draft = objects["consultation"]
    comment = CommentFactory(consultation=consultation, occupation=draft, field="name")
    attachment = Attachment(
        comment=comment, original_name="a.txt", content_type="text/plain", size=1
    )
    attachment.file.save("a.txt", ContentFile(b"a"), save=False)
    attachment.save()
    occupation = OccupationFactory(code="2-02-10-07")
    standard = attach_skill_standard(occupation, by=superuser, title="S", kind="skill")
    return {
        "consultations": [c for c, _d in objects.values()],
        "drafts": [d for _c, d in objects.values()],
        "comment": comment,
        "occupation": occupation,
        "standard": standard,
        "level": standard.levels.first(),
        "transition": Transition.objects.first(),
    }


def urls(world):
    yield reverse("admin:index")
    for name in [
        "consult_consultation",
        "consult_draftoccupation",
        "consult_comment",
        "consult_attachment",
        "consult_windowextension",
        "occupations_batch",
        "occupations_occupation",
        "occupations_skillstandard",
        "occupations_standardlevel",
        "occupations_levelrequirement",
        "occupations_levelweight",
        "occupations_authority",
        "occupations_classificationgroup",
        "occupations_transition",
    ]:
        yield reverse(f"admin:{name}_changelist")
        yield reverse(f"admin:{name}_add")
    for consultation in world["consultations"]:
        yield reverse("admin:consult_consultation_change", args=[consultation.pk])
        for step in ["open", "extend", "begin_review", "publish", "report"]:
            yield reverse(f"admin:consult_consultation_{step}", args=[consultation.pk])
    for draft in world["drafts"]:
        for step in ["change", "history", "revise", "changes", "accept", "withdraw", "reinstate"]:
            yield reverse(f"admin:consult_draftoccupation_{step}", args=[draft.pk])
    yield reverse("admin:consult_draftoccupation_import")
    yield reverse("admin:consult_comment_change", args=[world["comment"].pk])
    yield reverse("admin:consult_comment_campaigns")
    yield reverse("admin:occupations_occupation_change", args=[world["occupation"].pk])
    yield reverse("admin:occupations_skillstandard_change", args=[world["standard"].pk])
    yield reverse("admin:occupations_skillstandard_add") + f"?occupation={world['occupation'].pk}"
    yield reverse("admin:occupations_standardlevel_change", args=[world["level"].pk])
    yield reverse("admin:occupations_transition_change", args=[world["transition"].pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_every_role_without_an_error(client_for, world, role, request):
    client = client_for(request.getfixturevalue(role))
    answers = {url: client.get(url).status_code for url in urls(world)}
    assert set(answers.values()) <= {200, 302, 403}, {
        url: code for url, code in answers.items() if code not in {200, 302, 403}
    }


EXPECTED_ACTIONS = {
    "editor": {
        "consultation": set(),
        "draftoccupation": {"accept_action", "withdraw_action", "reinstate_action"},
        "comment": set(),
    },
    "moderator": {
        "consultation": {"rebuild_campaigns_action"},
        "draftoccupation": set(),
        "comment": {"publish_action", "hide_action", "mark_spam_action", "disposition_action"},
    },
    "publisher": {
        "consultation": {"open_action", "extend_action", "begin_review_action", "publish_action"},
        "draftoccupation": set(),
        "comment": set(),
    },
}


@pytest.mark.parametrize("role", ["editor", "moderator", "publisher"])
def test_each_role_is_offered_its_own_actions(client_for, world, role, request):
    client = client_for(request.getfixturevalue(role))
    for model, expected in EXPECTED_ACTIONS[role].items():
        response = client.get(reverse(f"admin:consult_{model}_changelist"))
        assert response.status_code == 200
        form = response.context.get("action_form")
        offered = set()
        if form is not None:
            offered = {value for value, _label in form.fields["action"].choices if value}
        offered.discard("delete_selected")
        assert offered == expected, (model, offered)
