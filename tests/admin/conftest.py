"""Admin tests speak English: messages are asserted as staff read them in English."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted as staff read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client logged in as ``user``, reading English."""

    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


def messages_of(response) -> list[str]:
    """The messages shown with ``response`` (or queued for the page it redirects to)."""
    return [str(m) for m in get_messages(response.wsgi_request)]
