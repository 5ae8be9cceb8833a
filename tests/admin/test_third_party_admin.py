"""Staff and third parties: a key made in the admin is shown once and stored hashed, keys are
revoked from the list, endpoints are registered with their events, deliveries show their
attempts."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from consult.api.keys import create_api_key
from consult.models import ApiKey, WebhookEndpoint
from tests.admin.conftest import messages_of

pytestmark = pytest.mark.django_db


def test_a_key_made_in_the_admin_is_shown_once_and_stored_hashed(client_for, superuser):
    client = client_for(superuser)
    response = client.post(
        "/admin/consult/apikey/add/",
        {"owner": "Union of Couriers", "note": "Member consultation", "scopes": ["comment"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    token = re.search(r'<code id="api-key-token">(ck_[^<]+)</code>', page).group(1)
    key = ApiKey.objects.get()
    assert ApiKey.objects.by_token(token) == key
    assert key.owner == "Union of Couriers"
    assert key.scopes == ["comment"]
    assert key.created_by == superuser
    # Nowhere else: not on the key's page, not in a message kept for the next page.
    assert messages_of(response) == []
    assert token not in client.get(f"/admin/consult/apikey/{key.pk}/change/").content.decode()
    assert token not in client.get("/admin/consult/apikey/").content.decode()


def test_a_key_needs_a_scope(client_for, superuser):
    response = client_for(superuser).post(
        "/admin/consult/apikey/add/", {"owner": "Union of Couriers", "scopes": []}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_staff_revoke_keys_from_the_list(client_for, superuser):
    key, token = create_api_key(owner="Job board", scopes=["read"], by=None, now=timezone.now())
    response = client_for(superuser).post(
        "/admin/consult/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiKey.objects.by_token(token) is None


def test_an_endpoint_is_registered_with_its_events_and_a_secret(client_for, superuser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # a receiver on a developer's machine
    key, _token = create_api_key(owner="Job board", scopes=["read"], by=None, now=timezone.now())
    response = client_for(superuser).post(
        "/admin/consult/webhookendpoint/add/",
        {
            "api_key": key.pk,
            "url": "http://127.0.0.1:9000/hooks",
            "events": ["consultation.opened", "batch.published"],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["consultation.opened", "batch.published"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.created_at is not None


def test_production_refuses_a_loopback_endpoint_in_the_admin(client_for, superuser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    key, _token = create_api_key(owner="Job board", scopes=["read"], by=None, now=timezone.now())
    response = client_for(superuser).post(
        "/admin/consult/webhookendpoint/add/",
        {"api_key": key.pk, "url": "http://127.0.0.1/hooks", "events": ["batch.published"]},
    )
    assert response.status_code == 200
    assert "Webhook addresses must start with https://." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
