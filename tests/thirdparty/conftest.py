"""Fixtures of the third-party tests: an open consultation (the public site's), keys of each
scope, and a client that sends a key."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone, translation

from consult.api.keys import create_api_key
from tests.site.conftest import consultation, during  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English text; the site's default language is Chinese."""
    with translation.override("en"):
        yield


def make_key(owner: str = "Hydrogen Energy Association", scopes=("read", "comment")):
    return create_api_key(owner=owner, scopes=scopes, by=None, now=timezone.now())


@pytest.fixture
def comment_key(db):
    """A key with both scopes, and its token."""
    return make_key()


@pytest.fixture
def keyed_client(comment_key):
    return Client(HTTP_X_API_KEY=comment_key[1], HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api_comments_url(consultation):  # noqa: F811
    return f"/api/v1/consultations/{consultation.slug}/comments/"


@pytest.fixture
def client():
    """A browser that asks for English, as the messages are asserted in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
