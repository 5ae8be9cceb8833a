import pytest
from django.test import Client


@pytest.fixture
def client():
    """The public site in English (its default is Chinese); the API answers in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
