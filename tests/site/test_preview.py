"""Staff preview a drafting consultation's public page; the public still gets 404."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_public_gets_404_for_a_drafting_consultation(client, drafting):
    assert client.get("/consultations/draft-list-2026/").status_code == 404


def test_staff_see_the_draft_list_with_a_preview_banner(drafting, editor):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(editor)
    response = client.get("/consultations/draft-list-2026/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview — not public" in body
    assert "Hydrogen producer" in body and "Low-altitude pilot" in body
    assert 'name="body"' not in body  # no comment form on a preview
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_staff_without_a_role_get_404(drafting, outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get("/consultations/draft-list-2026/").status_code == 404


def test_staff_without_a_second_factor_get_404_where_it_is_required(settings, drafting, editor):
    settings.STAFF_2FA = "required"
    client = Client()
    client.force_login(editor)
    assert client.get("/consultations/draft-list-2026/").status_code == 404


def test_an_open_consultation_shows_no_banner_to_staff(drafting, editor, superuser):
    import datetime as dt

    from consult.workflow.consultations import open_consultation
    from tests.factories import SHANGHAI

    open_consultation(drafting, by=superuser, now=dt.datetime(2026, 6, 1, tzinfo=SHANGHAI))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(editor)
    response = client.get("/consultations/draft-list-2026/")
    assert response.status_code == 200
    assert "Preview — not public" not in response.content.decode()
