"""Fixtures shared by every test area: staff users in each role, a clock, isolation of the
cache and of uploaded files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.factories import (
    SHANGHAI,
    ConsultationFactory,
    DraftOccupationFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test starts with an empty cache (rate limits, throttles), has its own media
    folder, and hashes passwords quickly (staff fixtures set one; the production hasher is
    slow)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", roles=["Editors"])


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", roles=["Moderators"])


@pytest.fixture
def publisher(db):
    return UserFactory(username="publisher", roles=["Publishers"])


@pytest.fixture
def outsider(db):
    """A staff account with no role."""
    return UserFactory(username="outsider")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def window():
    """A comment window "through 17 July 2026" as the ministry writes it."""
    return (
        dt.datetime(2026, 6, 17, 0, 0, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI),
    )


@pytest.fixture
def drafting(db, window):
    """A consultation in drafting with two drafts, window set for 17 June–17 July 2026."""
    consultation = ConsultationFactory(
        slug="draft-list-2026", opens_at=window[0], closes_at=window[1]
    )
    DraftOccupationFactory(consultation=consultation, position=1, name="Hydrogen producer")
    DraftOccupationFactory(consultation=consultation, position=2, name="Low-altitude pilot")
    return consultation


@pytest.fixture(scope="session")
def clamd_socket():
    """The Unix socket of a clamd started for this test run (``tests.clamav``)."""
    from tests.clamav import start_clamd, stop_clamd

    process, socket_path = start_clamd()
    yield str(socket_path)
    stop_clamd(process, socket_path)
