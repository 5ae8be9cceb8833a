"""What an error report shows (Django's debug page, the mails to ADMINS): never the salt of
the client-address hashes nor what a person typed in the comment form."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.views.debug import SafeExceptionReporterFilter

from consult.intake import store

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PERSONAL = {
    "body": "My very own words",
    "proposed_text": "A better definition of mine",
    "name": "Li Hua",
    "organisation": "Hydrogen Association",
    "email": "li.hua@example.org",
}


def test_the_salt_is_masked_in_the_reported_settings(settings):
    settings.IP_HASH_SECRET = "do-not-show-this-salt"
    shown = SafeExceptionReporterFilter().get_safe_settings()
    assert shown["IP_HASH_SECRET"] != "do-not-show-this-salt"
    assert "do-not-show-this-salt" not in repr(shown)


def test_the_personal_fields_of_a_comment_are_masked_on_the_debug_page(
    client, consultation, comment_url, valid_data, during, settings, monkeypatch
):
    settings.DEBUG = True
    settings.IP_HASH_SECRET = "do-not-show-this-salt"

    monkeypatch.setattr(store, "_store", failing_store)
    client.raise_request_exception = False
    response = client.post(comment_url, {**valid_data, **PERSONAL})
    assert response.status_code == 500
    page = response.content.decode()
    assert "the database went away" in page  # the debug page it is
    for value in [*PERSONAL.values(), "do-not-show-this-salt"]:
        assert value not in page


def project_setting(name: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"IP_HASH_SALT", "IP_HASH_SECRET"}}
    code = f"import config.settings as s; print(s.{name})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_default_salt_is_derived_from_the_secret_key_not_the_key_itself():
    salt = project_setting("IP_HASH_SECRET", SECRET_KEY="a-key-that-signs-sessions")
    assert salt
    assert "a-key-that-signs-sessions" not in salt
    assert salt != project_setting("IP_HASH_SECRET", SECRET_KEY="another-key")
    assert django_settings.IP_HASH_SECRET != django_settings.SECRET_KEY


def test_an_ip_hash_salt_set_under_its_former_name_still_works():
    assert project_setting("IP_HASH_SECRET", IP_HASH_SALT="old-salt") == "old-salt"
    assert project_setting("IP_HASH_SECRET", IP_HASH_SECRET="new-salt") == "new-salt"


def failing_store(comment, attachments, **receipt):
    """Stands in for the INSERT; the debug page shows the source lines around this one, so it
    is kept far from the values it must not show."""
    raise RuntimeError("the database went away")
