"""Issuing a release from the admin."""

from __future__ import annotations

import pytest
from django.test import Client

from occupations.models import Release
from tests.factories import OccupationFactory

pytestmark = pytest.mark.django_db

ISSUE = "/admin/occupations/release/issue/"


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_publisher_issues_a_release_with_a_note(publisher):
    OccupationFactory()
    client = _client(publisher)
    assert "Issue a release" in client.get("/admin/occupations/release/").content.decode()
    response = client.post(ISSUE, {"note": "New occupations of the fourth batch."}, follow=True)
    release = Release.objects.get()
    assert release.issued_by == publisher
    assert release.note == "New occupations of the fourth batch."
    assert f"Release {release.version} issued" in response.content.decode()


def test_nothing_to_release_is_shown_on_the_form(publisher):
    response = _client(publisher).post(ISSUE, {"note": "Nothing."})
    assert response.status_code == 200
    assert "Nothing to release" in response.content.decode()
    assert not Release.objects.exists()


def test_a_note_is_required(publisher):
    OccupationFactory()
    response = _client(publisher).post(ISSUE, {"note": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Release.objects.exists()


def test_an_editor_may_not_issue(editor):
    OccupationFactory()
    assert _client(editor).post(ISSUE, {"note": "Mine."}).status_code == 403
    assert not Release.objects.exists()
