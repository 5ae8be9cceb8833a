"""Admin tests speak English: messages are asserted as staff read them in English."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
