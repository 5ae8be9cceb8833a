"""A draft list goes from drafting to a published batch with a skill standard, through admin
URLs only, each step by the role that owns it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consult.models import Consultation, DraftOccupation
from occupations.models import Batch, Occupation, SkillStandard, Transition
from tests.admin.conftest import messages_of
from tests.factories import SHANGHAI, AuthorityFactory

pytestmark = pytest.mark.django_db

DRAFTING_DAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)
REVIEW_DAY = dt.datetime(2026, 7, 20, 10, 0, tzinfo=SHANGHAI)

EMPTY_INLINE = {
    "TOTAL_FORMS": "0",
    "INITIAL_FORMS": "0",
    "MIN_NUM_FORMS": "0",
    "MAX_NUM_FORMS": "1000",
}


def inline(prefix, total, **fields):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    data.update({f"{prefix}-{key}": value for key, value in fields.items()})
    return data


def test_drafting_to_published_with_a_standard(client_for, editor, publisher):
    editors, publishers = client_for(editor), client_for(publisher)
    authority = AuthorityFactory()

    with time_machine.travel(DRAFTING_DAY, tick=False):
        response = editors.post(
            reverse("admin:consult_consultation_add"),
            {
                "title": "2026 draft list of new occupations",
                "slug": "draft-list-2026",
                "summary": "Comments are invited.",
                "text_source": "draft_list",
                "opens_at_0": "2026-06-17",
                "opens_at_1": "00:00:00",
                "closes_at_0": "2026-07-17",
                "closes_at_1": "23:59:59",
                "sources": "[]",
                "notes": "",
                **inline(
                    "drafts",
                    2,
                    **{
                        "0-position": "1",
                        "0-name": "Hydrogen producer",
                        "0-definition": "Personnel who produce hydrogen.",
                        "0-tasks": "Run electrolysers.\nKeep the plant safe.",
                        "0-job_types": "",
                        "0-alternative_names": "",
                        "0-proposed_code": "",
                        "0-language": "en",
                        "1-position": "2",
                        "1-name": "Low-altitude pilot",
                        "1-definition": "Personnel who fly drones.",
                        "1-tasks": "Fly.",
                        "1-job_types": "",
                        "1-alternative_names": "",
                        "1-proposed_code": "",
                        "1-language": "en",
                    },
                ),
                **inline("extensions", 0),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        consultation = Consultation.objects.get(slug="draft-list-2026")
        assert consultation.drafts.count() == 2

        response = publishers.post(
            reverse("admin:consult_consultation_open", args=[consultation.pk]), {"confirm": "1"}
        )
        assert response.status_code == 302, messages_of(response)

    first, second = DraftOccupation.objects.filter(consultation=consultation).in_order()
    with time_machine.travel(REVIEW_DAY, tick=False):
        response = publishers.post(
            reverse("admin:consult_consultation_begin_review", args=[consultation.pk]),
            {"confirm": "1"},
        )
        assert response.status_code == 302, messages_of(response)

        response = editors.post(
            reverse("admin:consult_draftoccupation_revise", args=[first.pk]),
            {
                "name": first.name,
                "proposed_code": "6-28-01-17",
                "definition": first.definition,
                "tasks": "Run electrolysers.\nKeep the plant safe.\nRecord output.",
                "job_types": "",
                "alternative_names": "",
                "note": "Code assigned; task added after comments.",
            },
        )
        assert response.status_code == 302, messages_of(response)
        changes = editors.get(reverse("admin:consult_draftoccupation_changes", args=[first.pk]))
        assert "Record&nbsp;output." in changes.content.decode()

        editors.post(
            reverse("admin:consult_draftoccupation_accept", args=[first.pk]), {"confirm": "1"}
        )
        editors.post(
            reverse("admin:consult_draftoccupation_withdraw", args=[second.pk]),
            {"reason": "Covered by an existing occupation."},
        )

        page = publishers.get(reverse("admin:consult_consultation_publish", args=[consultation.pk]))
        body = page.content.decode()
        assert "6-28-01-17" in body and "Covered by an existing occupation." in body
        assert not page.context["problems"]
        response = publishers.post(
            reverse("admin:consult_consultation_publish", args=[consultation.pk]),
            {
                "slug": "new-occupations-2026",
                "title": "New occupations, 2026",
                "number": "7",
                "announced_on": "2026-09-01",
                "announced_precision": "month",
                "authorities": [authority.pk],
                "notes": "",
            },
        )
        assert response.status_code == 302, messages_of(response)

    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.PUBLISHED
    batch = Batch.objects.get(slug="new-occupations-2026")
    occupation = Occupation.objects.get(batch=batch)
    assert (occupation.code, occupation.tasks[-1]) == ("6-28-01-17", "Record output.")

    response = publishers.post(
        reverse("admin:occupations_skillstandard_add") + f"?occupation={occupation.pk}",
        {
            "title": "National standard for hydrogen producers",
            "kind": "skill",
            "edition": "2026",
            "issued_on": "",
            "issued_precision": "day",
            "authorities": [authority.pk],
            "directions": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    standard = SkillStandard.objects.get(occupation=occupation)
    assert standard.levels.count() == 5
    actions = list(Transition.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [
        "open_consultation",
        "begin_review",
        "revise",
        "accept_draft",
        "withdraw_draft",
        "publish",
        "attach_standard",
    ]
