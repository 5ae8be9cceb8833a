"""Staff security in Chromium: every public page under its Content Security Policy with no
violation, the admin and the API docs under theirs, and the second-factor enrolment from the
first sign-in to backup codes (screenshots kept in test-artifacts/)."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from django.urls import URLPattern
from django.utils import timezone
from django_otp.oath import TOTP

from consult.models import Comment, Consultation
from consult.public import urls as site_urls
from tests.factories import (
    BatchFactory,
    CommentFactory,
    ConsultationFactory,
    OccupationFactory,
    UserFactory,
)
from tests.site.conftest import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def public_records():
    now = timezone.now()
    consultation = ConsultationFactory(
        slug="draft-list-2026",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=20),
    )
    make_draft(consultation, 1, name="Hydrogen production operator", green=True)
    comment = CommentFactory(consultation=consultation, status=Comment.Status.PUBLISHED)
    occupation = OccupationFactory(batch=BatchFactory(slug="batch-2025"))
    return {
        "slug": consultation.slug,
        "tracking_number": comment.tracking_number,
        "pk": occupation.pk,
        "batch": occupation.batch.slug,
    }


def public_paths(records) -> list[str]:
    """Every page of the public site, from its URL patterns (feeds are XML, not pages)."""
    paths = []
    for pattern in site_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name.startswith("feed-"):
            continue
        route = str(pattern.pattern)
        slug = records["batch"] if pattern.name == "batch-detail" else records["slug"]
        route = route.replace("<slug:slug>", slug)
        route = route.replace("<str:tracking_number>", records["tracking_number"])
        route = route.replace("<int:pk>", str(records["pk"]))
        paths.append("/" + route)
    # A filter error summary, a page that does not exist.
    return [*paths, "/occupations/?year=not-a-year", "/no-such-page/"]


def test_every_public_page_keeps_the_strict_policy(live_server, page_for, public_records):
    page = page_for("en")
    for path in public_paths(public_records):
        response = page.goto(f"{live_server.url}{path}")
        policy = response.header_value("content-security-policy") or ""
        assert "default-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        if not (response.header_value("content-type") or "").startswith("text/html"):
            continue  # /healthz and a proof's JSON file: documents, not pages
        # Styles from site.css were applied: the stylesheet was not blocked.
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display"), (
            path
        )
    # The comment form posts under the policy too (form-action 'self').
    page.goto(f"{live_server.url}/consultations/{public_records['slug']}/")
    page.get_by_label("Your comment").fill("A comment sent under the policy.")
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_load_state()


def test_an_inline_script_on_a_public_page_is_reported(live_server, page_for, csp_violations):
    """The listener works: a script injected into a public page is blocked and reported."""
    page = page_for("en")
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.ran = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in text for text in csp_violations)
    csp_violations.clear()


def test_the_api_docs_run_under_their_policy(live_server, page_for):
    page = page_for("en")
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "unsafe-eval" not in response.header_value("content-security-policy")
    page.wait_for_selector(".swagger-ui .info")
    assert "consult API" in page.inner_text(".swagger-ui .info")


def totp_code(secret: str) -> str:
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    return str(totp.token()).zfill(6)


def test_a_staff_member_enrols_a_second_factor(live_server, page_for, artifacts, settings):
    settings.STAFF_2FA = "required"
    UserFactory(username="editor", is_superuser=True)
    page = page_for("en")
    page.goto(f"{live_server.url}/admin/")
    page.fill("input[name=auth-username]", "editor")
    page.fill("input[name=auth-password]", "correct horse battery")
    page.screenshot(path=str(artifacts / "staff-sign-in.png"), full_page=True)
    page.get_by_role("button", name="Next").click()

    # The password alone opens nothing: the admin sends the staff member to enrolment.
    page.wait_for_url(re.compile(r"/admin/account/two_factor/setup/"))
    page.screenshot(path=str(artifacts / "staff-enrol-1-welcome.png"), full_page=True)
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("img[alt='QR Code']")
    width = page.locator("img[alt='QR Code']").evaluate(
        """image => image.complete ? image.naturalWidth
            : new Promise((done) => { image.onload = () => done(image.naturalWidth); })"""
    )
    assert width > 0  # the QR code (a same-origin SVG) was drawn
    page.screenshot(path=str(artifacts / "staff-enrol-2-qr-code.png"), full_page=True)
    secret = page.locator("a[href^='otpauth://']").inner_text().strip()
    page.fill("input[name=generator-token]", totp_code(secret))
    page.get_by_role("button", name="Next").click()
    # Enrolment verifies the session and goes on to the page first asked for.
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Consultations and registry").is_visible()
    page.screenshot(path=str(artifacts / "staff-enrol-3-admin.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/account/two_factor/backup/tokens/")
    page.get_by_role("button", name="Generate Tokens").click()
    page.wait_for_selector("#content li")
    assert page.locator("#content li").count() == 10
    page.screenshot(path=str(artifacts / "staff-enrol-4-backup-codes.png"), full_page=True)

    # The next sign-in asks for a code.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/")
    page.fill("input[name=auth-username]", "editor")
    page.fill("input[name=auth-password]", "correct horse battery")
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("input[name=token-otp_token]")
    page.screenshot(path=str(artifacts / "staff-sign-in-code.png"), full_page=True)
