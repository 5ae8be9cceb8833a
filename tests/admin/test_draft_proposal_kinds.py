"""Staff add a proposal of any kind in the admin; a kind without what it needs is refused on
the field, never with a 500."""

import pytest
from django.urls import reverse

from consult.models import DraftOccupation
from tests.factories import ConsultationFactory, OccupationFactory

pytestmark = pytest.mark.django_db

ADD = "admin:consult_draftoccupation_add"


def _form(consultation, **fields):
    data = {
        "consultation": consultation.pk,
        "kind": "new_occupation",
        "target": "",
        "target_job_type": "",
        "successors": "",
        "successor_relation": "",
        "position": 1,
        "name": "互联网营销师",
        "proposed_code": "",
        "definition": "",
        "tasks": "",
        "job_types": "",
        "alternative_names": "",
        "language": "zh-hans",
        "translated_name": "",
        "translated_alternative_names": "",
        "green": "unknown",
        "digital": "unknown",
        "group": "",
        "sources": "[]",
        "notes": "",
    }
    data.update(fields)
    return data


def test_a_revision_without_its_target_is_refused_on_the_field(client_for, superuser):
    consultation = ConsultationFactory()
    client = client_for(superuser)
    page = client.get(reverse(ADD)).content.decode()
    assert 'name="kind"' in page and 'name="target"' in page
    response = client.post(reverse(ADD), _form(consultation, kind="revision"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "target" in errors
    assert not DraftOccupation.objects.exists()


def test_a_revision_with_its_target_is_added(client_for, superuser):
    consultation = ConsultationFactory()
    target = OccupationFactory()
    client = client_for(superuser)
    response = client.post(reverse(ADD), _form(consultation, kind="revision", target=target.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft = DraftOccupation.objects.get()
    assert (draft.kind, draft.target) == ("revision", target)
    change = client.get(reverse("admin:consult_draftoccupation_change", args=[draft.pk]))
    assert "revision of a published occupation" in change.content.decode()


def test_a_new_revision_starts_from_the_published_text(client_for, superuser):
    # Fields left blank keep the target's values: only what staff type is a change.
    consultation = ConsultationFactory()
    target = OccupationFactory(definition="旧定义。", tasks=["一", "二"], job_types=["甲"])
    client = client_for(superuser)
    response = client.post(
        reverse(ADD),
        _form(consultation, kind="revision", target=target.pk, name=target.name, tasks="一\n三"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft = DraftOccupation.objects.get()
    assert draft.definition == "旧定义。" and draft.job_types == ["甲"]
    assert draft.proposed_code == target.code
    assert set(draft.target_changes()) == {"tasks"}
