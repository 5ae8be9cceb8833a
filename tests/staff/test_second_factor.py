"""The second factor: required in production mode, optional in development, resettable by a
superuser with the reset on record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff.conftest import current_code, enter_code, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_the_admin_login_page_leads_to_the_two_step_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/account/login/")
    page = client.get(response["Location"])
    assert 'name="auth-username"' in page.text


def test_production_defaults_to_required(monkeypatch):
    import importlib

    import config.settings as project_settings

    monkeypatch.setenv("DJANGO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "consult.example.org")
    monkeypatch.setenv("SITE_URL", "https://consult.example.org")
    monkeypatch.delenv("STAFF_2FA", raising=False)
    try:
        assert importlib.reload(project_settings).STAFF_2FA == "required"
        monkeypatch.setenv("DJANGO_ENV", "development")
        assert importlib.reload(project_settings).STAFF_2FA == "optional"
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


def test_required_password_alone_does_not_open_the_admin(required, editor, totp_for):
    device = totp_for(editor)
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        response = sign_in(client, "editor")
        # The password is right, so the form asks for the code; no session is signed in yet.
        assert response.status_code == 200
        assert 'name="token-otp_token"' in response.text
        assert client.get("/admin/").status_code == 302

        wrong = "000000" if current_code(device) != "000000" else "111111"
        response = enter_code(client, wrong)
        assert response.status_code == 200 and "token-otp_token" in response.text
        assert client.get("/admin/").status_code == 302

        # A failed code makes the device wait before it accepts another (django-otp throttling).
        clock.shift(dt.timedelta(seconds=2))
        response = enter_code(client, current_code(device))
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_required_an_unverified_session_uses_no_admin_page(required, editor, totp_for, client):
    """A session signed in with the password alone is signed out and sent to the two-step
    sign-in, whatever admin page it asks for."""
    totp_for(editor)
    for url in ("/admin/", "/admin/consult/consultation/", "/admin/consult/consultation/add/"):
        client.force_login(editor)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/account/login/"), url
        assert "_auth_user_id" not in client.session


def test_required_staff_without_a_device_are_sent_to_enrolment(required, editor):
    client = Client()
    response = sign_in(client, "editor")
    assert response.status_code == 302
    response = client.get("/admin/consult/consultation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/account/two_factor/setup/")
    assert "Enable Two-Factor Authentication" in client.get(response["Location"]).text


def test_required_a_backup_code_signs_in_once(required, editor, totp_for, backup_codes_for):
    totp_for(editor)
    backup_codes_for(editor, codes=("alpha123",))
    client = Client()
    sign_in(client, "editor")
    client.post("/admin/account/login/?next=/admin/", {"wizard_goto_step": "backup"})
    response = client.post(
        "/admin/account/login/?next=/admin/",
        {"login_view-current_step": "backup", "backup-otp_token": "alpha123"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not StaticDevice.objects.get(user=editor).token_set.exists()


def test_optional_staff_without_a_device_sign_in_with_the_password(editor):
    client = Client()
    assert sign_in(client, "editor").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_optional_staff_with_a_device_are_still_asked_for_it(editor, totp_for):
    totp_for(editor)
    client = Client()
    response = sign_in(client, "editor")
    assert response.status_code == 200 and 'name="token-otp_token"' in response.text
    assert client.get("/admin/").status_code == 302


def test_a_superuser_resets_a_lost_device_and_it_is_logged(
    superuser, editor, totp_for, backup_codes_for
):
    totp_for(editor)
    backup_codes_for(editor)
    client = Client()
    client.force_login(superuser)
    url = f"/admin/security/users/{editor.pk}/reset-second-factor/"
    page = client.get(url)
    assert page.status_code == 200 and "default" in page.text
    response = client.post(url)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    entry = LogEntry.objects.get(object_id=str(editor.pk))
    assert entry.user == superuser
    assert "Reset the second factor: 2 device(s) removed." in entry.change_message
    assert entry.action_time is not None
    change_page = client.get(f"/admin/auth/user/{editor.pk}/change/")
    assert url in change_page.text


def test_only_a_superuser_resets_devices(editor, publisher, totp_for):
    totp_for(editor)
    client = Client()
    client.force_login(publisher)
    url = f"/admin/security/users/{editor.pk}/reset-second-factor/"
    assert client.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=editor).exists()
    assert not LogEntry.objects.exists()
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
