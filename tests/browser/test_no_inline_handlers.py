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
