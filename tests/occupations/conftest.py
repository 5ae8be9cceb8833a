"""Fixtures for the registry tests."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import OccupationFactory


@pytest.fixture(autouse=True)
def _english():
    """Refusals are asserted by their English text; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def occupation(db):
    """A published occupation of the registry."""
    return OccupationFactory(code="2-02-10-07", name="Artificial intelligence engineer")
