"""Re-authentication before a grave step: a view wrapped in ``recent_sign_in_required`` runs
only within 15 minutes of a full sign-in; otherwise the staff member confirms the password
(and the second factor, when required) and comes back."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config import urls as project_urls
from staff.reauth import recent_sign_in_required
from tests.factories import ConsultationFactory
from tests.staff.conftest import PASSWORD, current_code

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@recent_sign_in_required
def publish_step(request, pk: int):
    return HttpResponse(f"publishing {pk} ({request.method})")


class StepAdmin:
    """A ModelAdmin's step views: one decorated in the class body, one wrapped when bound (as
    ``get_urls`` would: ``view(recent_sign_in_required(self.release_view))``)."""

    @recent_sign_in_required
    def publish_view(self, request, pk: int):
        return HttpResponse(f"admin step {pk}")

    def release_view(self, request, pk: int):
        return HttpResponse(f"admin step {pk}")


urlpatterns = [
    path("steps/<int:pk>/publish/", publish_step),
    path("admin-steps/<int:pk>/publish/", StepAdmin().publish_view),
    path("admin-steps/<int:pk>/release/", recent_sign_in_required(StepAdmin().release_view)),
    *project_urls.urlpatterns,
]


def signed_in(user) -> Client:
    client = Client()
    with time_machine.travel(START, tick=False):
        client.force_login(user)
    return client


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def test_a_recent_sign_in_goes_straight_to_the_step(publisher):
    client = signed_in(publisher)
    with at(14):
        assert client.get("/steps/7/publish/").text == "publishing 7 (GET)"
        assert client.get("/admin-steps/7/publish/").text == "admin step 7"
        assert client.get("/admin-steps/7/release/").text == "admin step 7"


@pytest.mark.parametrize(
    "url", ["/steps/7/publish/", "/admin-steps/7/publish/", "/admin-steps/7/release/"]
)
def test_an_older_sign_in_must_confirm_the_password_first(publisher, url):
    client = signed_in(publisher)
    with at(16):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/security/reauthenticate/")
        page = client.get(response["Location"])
        assert 'name="password"' in page.text
        assert 'name="otp_token"' not in page.text

        refused = client.post(response["Location"], {"password": "wrong", "next": url})
        assert refused.status_code == 200 and "The password is not correct." in refused.text
        assert client.get(url).status_code == 302

        back = client.post(response["Location"], {"password": PASSWORD, "next": url})
        assert back.status_code == 302 and back["Location"] == url
        assert client.get(url).status_code == 200
    with at(16 + 14):
        assert client.get(url).status_code == 200
    with at(16 + 16):
        assert client.get(url).status_code == 302


def test_a_post_after_the_limit_is_not_performed(publisher):
    client = signed_in(publisher)
    with at(20):
        response = client.post("/steps/7/publish/", {"confirm_step": "1"})
    assert response.status_code == 302
    assert "next=%2Fsteps%2F7%2Fpublish%2F" in response["Location"]


def test_the_second_factor_is_asked_again_when_required(required, publisher, totp_for):
    device = totp_for(publisher)
    client = Client()
    with time_machine.travel(START, tick=False):
        client.force_login(publisher)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    with at(20):
        response = client.get("/steps/7/publish/")
        assert response["Location"].startswith("/admin/security/reauthenticate/")
        form_url = response["Location"]
        assert 'name="otp_token"' in client.get(form_url).text
        no_code = client.post(form_url, {"password": PASSWORD, "next": "/steps/7/publish/"})
        assert "The code is not correct." in no_code.text
        done = client.post(
            form_url,
            {"password": PASSWORD, "otp_token": current_code(device), "next": "/steps/7/publish/"},
        )
        assert done.status_code == 302
        assert client.get("/steps/7/publish/").status_code == 200


def test_the_page_returns_only_to_this_site(publisher):
    client = signed_in(publisher)
    with at(20):
        response = client.post(
            "/admin/security/reauthenticate/",
            {"password": PASSWORD, "next": "https://evil.example/"},
        )
    assert response["Location"] == "/admin/"


def test_wrong_passwords_here_count_toward_the_lockout(publisher):
    client = signed_in(publisher)
    with at(20):
        for _ in range(4):
            refused = client.post("/admin/security/reauthenticate/", {"password": "wrong"})
            assert refused.status_code == 200
        locked = client.post("/admin/security/reauthenticate/", {"password": "wrong"})
    assert locked.status_code == 429


def test_the_admin_publish_step_asks_for_a_recent_sign_in(publisher):
    """The publish step of the admin (its row in ``consult.admin.steps``) is wrapped; other
    steps are not."""
    consultation = ConsultationFactory(
        status="review",
        opens_at=START - dt.timedelta(days=40),
        closes_at=START - dt.timedelta(days=10),
    )
    client = signed_in(publisher)
    publish = f"/admin/consult/consultation/{consultation.pk}/publish/"
    extend = f"/admin/consult/consultation/{consultation.pk}/extend/"
    with at(5):
        assert client.get(publish).status_code == 200
    with at(20):
        detour = client.get(publish)
        assert detour.status_code == 302
        assert detour["Location"].startswith("/admin/security/reauthenticate/")
        other = client.get(extend)
        assert "/admin/security/reauthenticate/" not in other.get("Location", "")
