"""A withdrawal's internal note stays with staff; its public explanation is shown only once the
consultation's report is public (review or published)."""

import pytest
from django.conf import settings
from django.test import Client

from consult.models import Consultation, DraftOccupation
from consult.workflow.drafts import withdraw_draft
from tests.factories import BatchFactory

pytestmark = pytest.mark.django_db

NOTE = "Internal: the ministry's legal office objected"
EXPLANATION = "Merged into the occupation Hydrogen energy technician."


def _public_urls(consultation: Consultation) -> list[str]:
    slug = consultation.slug
    return [
        "/",
        "/consultations/",
        f"/consultations/{slug}/",
        f"/consultations/{slug}/report/",
        "/feeds/consultations/",
        "/feeds/consultations/atom/",
        "/api/v1/consultations/",
        f"/api/v1/consultations/{slug}/",
        f"/api/v1/consultations/{slug}/?format=csv",
        f"/api/v1/consultations/{slug}/comments/",
    ]


def _withdrawn_in_review(consultation: Consultation, editor) -> DraftOccupation:
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.REVIEW)
    draft = consultation.drafts.get(position=1)
    withdraw_draft(draft, by=editor, reason=NOTE, public_explanation=EXPLANATION)
    return draft


def _seen(consultation: Consultation) -> dict[str, str]:
    client = Client()
    pages = {}
    for url in _public_urls(consultation):
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = b"".join(response).decode() if response.streaming else response.text
    return pages


@pytest.mark.parametrize("status", [Consultation.Status.REVIEW, Consultation.Status.PUBLISHED])
def test_the_internal_note_is_on_no_public_page_or_api_response(consultation, editor, status):
    _withdrawn_in_review(consultation, editor)
    if status == Consultation.Status.PUBLISHED:
        Consultation.objects.filter(pk=consultation.pk).update(status=status, batch=BatchFactory())

    pages = _seen(consultation)

    assert f"/consultations/{consultation.slug}/" in pages
    assert f"/consultations/{consultation.slug}/report/" in pages
    assert f"/api/v1/consultations/{consultation.slug}/" in pages
    assert [url for url, text in pages.items() if "legal office" in text] == []


@pytest.mark.parametrize("status", [Consultation.Status.REVIEW, Consultation.Status.PUBLISHED])
def test_the_public_explanation_is_shown_once_the_report_is_public(consultation, editor, status):
    _withdrawn_in_review(consultation, editor)
    if status == Consultation.Status.PUBLISHED:
        Consultation.objects.filter(pk=consultation.pk).update(status=status, batch=BatchFactory())

    pages = _seen(consultation)

    assert EXPLANATION in pages[f"/consultations/{consultation.slug}/"]
    assert EXPLANATION in pages[f"/consultations/{consultation.slug}/report/"]
    api = Client().get(f"/api/v1/consultations/{consultation.slug}/").json()
    assert [d["public_explanation"] for d in api["occupations"]] == [EXPLANATION, ""]


def test_the_public_explanation_waits_for_the_report(consultation, editor):
    """A withdrawn draft shown while its list is still open for comments (a state the
    workflow does not reach, forced here) shows neither the note nor the explanation."""
    draft = _withdrawn_in_review(consultation, editor)
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.CONSULTATION)
    draft.refresh_from_db()
    assert (draft.status, draft.withdrawal_reason) == (DraftOccupation.Status.WITHDRAWN, NOTE)

    page = Client().get(f"/consultations/{consultation.slug}/").text

    assert "notice-closed" in page
    assert EXPLANATION not in page
    assert "legal office" not in page
    api = Client().get(f"/api/v1/consultations/{consultation.slug}/").json()
    assert [d["public_explanation"] for d in api["occupations"]] == ["", ""]


def test_the_withdraw_step_labels_the_note_internal_and_the_explanation_public(
    consultation, editor, client
):
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.REVIEW)
    draft = consultation.drafts.get(position=1)
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = f"/admin/consult/draftoccupation/{draft.pk}/withdraw/"

    form_page = client.get(url).text
    response = client.post(url, {"reason": NOTE, "public_explanation": EXPLANATION})

    assert "internal note (staff only)" in form_page.lower()
    assert "public explanation (optional)" in form_page.lower()
    assert "shown in the publication summary" not in form_page
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.withdrawal_reason, draft.public_explanation) == (NOTE, EXPLANATION)
