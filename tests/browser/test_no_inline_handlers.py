"""No inline handlers anywhere: pages work under their Content Security Policy without any
violation (``page_for`` fails the test on one). The campaigns picker submits on a change; the
browsable API page loads its scripts and styles from files."""

from __future__ import annotations

import pytest

from consult.models import Consultation
from tests.factories import CommentFactory, ConsultationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_campaigns_picker_submits_under_the_admin_policy(live_server, page_for):
    UserFactory(username="moderator", roles=["Moderators"])
    wanted = ConsultationFactory(title="Hydrogen list", status=Consultation.Status.CONSULTATION)
    ConsultationFactory(title="Other list", status=Consultation.Status.CONSULTATION)
    CommentFactory(consultation=wanted)
    page = page_for("en")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=auth-username]", "moderator")
    page.fill("input[name=auth-password]", "correct horse battery")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/consult/comment/campaigns/")
    page.select_option("select[name=consultation]", label="Hydrogen list")

    page.wait_for_url(f"**/campaigns/?consultation={wanted.pk}")
    assert page.locator("select[name=consultation]").input_value() == str(wanted.pk)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/occupations/",
        "/api/v1/consultations/",
        "/api/v1/consultations/draft-list-2026/comments/",
    ],
)
def test_the_browsable_api_raises_no_violation(live_server, page_for, path):
    """DRF's browsable API in Chromium under the public policy: no violation (``page_for``
    fails on one), and its scripts ran without error (the response panel is highlighted)."""
    ConsultationFactory(slug="draft-list-2026", status=Consultation.Status.CONSULTATION)
    page = page_for("en")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}", wait_until="load")
    page.wait_for_selector(".response-info")
    # default.js ran prettify over the response: its tokens are spans with prettify's classes.
    page.wait_for_selector(".response-info pre span.pun")
    assert errors == []
