"""Staff sessions end 8 hours after sign-in and after 30 minutes without a request; visitors'
sessions are not touched."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def signed_in(user) -> Client:
    client = Client()
    with time_machine.travel(START, tick=False):
        client.force_login(user)
    return client


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def test_a_staff_session_survives_29_minutes_idle(editor):
    client = signed_in(editor)
    with at(29):
        assert client.get("/admin/").status_code == 200


def test_a_staff_session_ends_after_30_minutes_idle(editor):
    client = signed_in(editor)
    with at(31):
        response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with at(32):
        assert client.get("/admin/").status_code == 302


def test_a_busy_staff_session_ends_8_hours_after_sign_in(editor):
    client = signed_in(editor)
    minute = 0
    while minute < 8 * 60 - 20:
        minute += 20
        with at(minute):
            assert client.get("/admin/").status_code == 200, minute
    with at(8 * 60 + 1):
        assert client.get("/admin/").status_code == 302


def test_the_staff_cookie_does_not_outlive_the_limit(editor):
    client = signed_in(editor)
    with at(1):
        assert client.session.get_expiry_age() == 8 * 3600


def test_a_visitor_session_is_not_touched(client):
    """The language choice of a visitor is kept however long they stay away."""
    with time_machine.travel(START, tick=False):
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with at(120):
        page = client.get("/")
    assert page.status_code == 200
    assert page.wsgi_request.LANGUAGE_CODE == "en"
