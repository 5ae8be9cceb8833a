"""The publish confirmation page in a real browser: a publisher signs in through the two-step
login form, sees what publication will do, and publishes."""

import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation
from occupations.models import Batch
from tests.factories import (
    AuthorityFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_review(db):
    now = dt.datetime.now(dt.UTC)
    consultation = ConsultationFactory(
        title="2026 draft list",
        status=Consultation.Status.REVIEW,
        opens_at=now - dt.timedelta(days=40),
        closes_at=now - dt.timedelta(days=5),
    )
    DraftOccupationFactory(
        consultation=consultation,
        position=1,
        name="Hydrogen producer",
        proposed_code="6-28-01-17",
        status=DraftOccupation.Status.ACCEPTED,
    )
    withdrawn = DraftOccupationFactory(
        consultation=consultation, position=2, name="Low-altitude pilot"
    )
    DraftOccupation.objects.filter(pk=withdrawn.pk).update(
        status="withdrawn", withdrawal_reason="Covered by an existing occupation."
    )
    return consultation


def test_a_publisher_confirms_publication(live_server, page_for, artifacts, in_review):
    UserFactory(username="publisher", roles=["Publishers"])
    AuthorityFactory(name="National Bureau of Statistics")
    page = page_for("en")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=auth-username]", "publisher")
    page.fill("input[name=auth-password]", "correct horse battery")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/consult/consultation/{in_review.pk}/change/")
    page.click("text=Publish…")
    page.wait_for_selector("table.accepted")
    assert "6-28-01-17" in page.inner_text("table.accepted")
    assert "Covered by an existing occupation." in page.inner_text("table.withdrawn")
    assert page.locator(".problems li").count() == 0

    page.fill("input[name=slug]", "new-occupations-2026")
    page.fill("input[name=title]", "New occupations, 2026")
    page.fill("input[name=announced_on]", "2026-09-15")
    page.select_option("select[name=announced_precision]", "month")
    page.check("text=National Bureau of Statistics")
    page.screenshot(path=str(artifacts / "admin-publish-confirmation.png"), full_page=True)
    page.click("input[name=confirm_step]")
    # A mid-month date with month precision is refused on the field, nothing is published.
    page.wait_for_selector(".errorlist")
    assert "first day" in page.inner_text(".field-announced_on")
    assert not Batch.objects.exists()

    page.fill("input[name=announced_on]", "2026-09-01")
    page.click("input[name=confirm_step]")
    page.wait_for_selector(".messagelist .success")
    assert "Published as “New occupations, 2026” with 1 occupation." in page.inner_text(
        ".messagelist"
    )
    page.screenshot(path=str(artifacts / "admin-published.png"), full_page=True)
    batch = Batch.objects.get()
    assert [o.code for o in batch.occupations.all()] == ["6-28-01-17"]
    assert [a.name for a in batch.authorities.all()] == ["National Bureau of Statistics"]
