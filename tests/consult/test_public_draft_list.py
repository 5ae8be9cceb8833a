"""The draft list as the public saw it: a draft withdrawn before opening never appears; one
withdrawn during review stays, with its reason."""

import datetime as dt

import pytest
from django.test import Client

from consult.models import DraftOccupation
from consult.reporting.report import build_response_report
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import withdraw_draft
from tests.factories import OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened_with_a_withdrawn_draft(drafting, editor, publisher, window):
    """Two drafts; the second withdrawn while drafting, with an internal reason, then opened."""
    internal = drafting.drafts.get(position=2)
    withdraw_draft(internal, by=editor, reason="Internal legal concern SECRETREASON")
    open_consultation(drafting, by=publisher, now=window[0] - dt.timedelta(days=1))
    drafting.refresh_from_db()
    return drafting, internal


def test_a_draft_withdrawn_before_opening_is_never_public(opened_with_a_withdrawn_draft, window):
    consultation, internal = opened_with_a_withdrawn_draft
    assert list(consultation.drafts.public()) == [consultation.drafts.get(position=1)]

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Hydrogen producer" in page
    assert internal.name not in page
    assert "SECRETREASON" not in page

    api = client.get(f"/api/v1/consultations/{consultation.slug}/").json()
    assert [o["name"] for o in api["occupations"]] == ["Hydrogen producer"]
    refused = client.get(
        f"/api/v1/consultations/{consultation.slug}/comments/", {"occupation": internal.pk}
    )
    assert refused.status_code == 400
    assert "occupation" in refused.json()

    report = build_response_report(consultation, public=True)
    assert internal.name not in str(report)


def test_a_draft_withdrawn_during_review_stays_on_the_public_list(drafting, editor, publisher):
    """The public commented on it; the page says it was withdrawn and gives the public
    explanation, never the internal note."""
    open_consultation(drafting, by=publisher, now=drafting.opens_at - dt.timedelta(days=1))
    begin_review(drafting, by=publisher, now=drafting.closes_at + dt.timedelta(1))
    second = drafting.drafts.get(position=2)
    withdraw_draft(
        second,
        by=editor,
        reason="Legal office objected.",
        public_explanation="Merged into the first.",
    )
    assert second.pk in set(drafting.drafts.public().values_list("pk", flat=True))
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(drafting.get_absolute_url()).content.decode()
    assert "Low-altitude pilot" in page
    assert "Merged into the first." in page
    assert "Legal office objected." not in page


@pytest.mark.parametrize(
    ("language", "kind"),
    [("en", "Revision of a published occupation"), ("zh-hans", "修订已发布职业")],
)
def test_a_proposal_changing_a_published_occupation_says_so_and_links_it(
    opened_with_a_withdrawn_draft, language, kind
):
    consultation, _internal = opened_with_a_withdrawn_draft
    target = OccupationFactory(name="互联网营销师")
    shown = consultation.drafts.get(position=1)
    DraftOccupation.objects.filter(pk=shown.pk).update(kind="revision", target=target)
    page = Client().get(consultation.get_absolute_url(), {"lang": language}).content.decode()
    assert f'{kind}: <a href="{target.get_absolute_url()}">' in page
    assert "互联网营销师" in page
