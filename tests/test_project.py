"""The project as a whole: system checks, migrations in step with the models, production
settings, configuration errors that name their variable, and a clean lint."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Variables this file sets itself; anything else from the caller's environment is kept, so
# that the checks also run against the PostgreSQL and Redis of a CI run.
CONTROLLED = {
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "COMMENT_RATE_LIMIT",
    "API_THROTTLE_RATE",
    "DJANGO_SETTINGS_MODULE",
    # The browser tests set it for live_server; a deployment must not have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environ.update(env)
    return subprocess.run(
        args, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "manage.py", *args, **env)


def production(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.org",
        "SITE_URL": "https://example.org",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_the_system_check_is_clean():
    result = manage("check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_the_deployment_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = production()
    del env[missing]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DJANGO_ENV=production." in result.stderr


def test_production_refuses_an_empty_host_list():
    result = manage("check", **production(ALLOWED_HOSTS=" , "))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean (true/false), got 'maybe'."),
        ("COMMENT_RATE_LIMIT", "lots", "COMMENT_RATE_LIMIT must look like '10/h'"),
        ("API_THROTTLE_RATE", "10 per hour", "API_THROTTLE_RATE must look like '10/h'"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL is not a valid database URL"),
        ("DATABASE_URL", "postgress://u:secret@db/x", "got the scheme 'postgress'"),
        ("REDIS_URL", "nonsense", "REDIS_URL must start with redis://"),
        ("REDIS_URL", "http://u:secret@cache:6379/0", "got the scheme 'http'."),
        ("CONN_MAX_AGE", "a minute", "CONN_MAX_AGE must be a whole number"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be at least 0"),
        ("DJANGO_ENV", "staging", "DJANGO_ENV must be 'development' or 'production'"),
        ("SITE_URL", "consult.example.org", "SITE_URL must be the site's address"),
        ("SITE_URL", "ftp://consult.example.org", "SITE_URL must be the site's address"),
        ("SITE_URL", "https://consult.example.org/comments", "with no path"),
    ],
)
def test_a_bad_setting_is_a_configuration_error_that_names_the_variable(variable, value, message):
    env = {variable: value}
    if variable == "CONN_MAX_AGE":
        env["DATABASE_URL"] = "sqlite:///unused.sqlite3"
    result = run(sys.executable, "-W", "ignore", "-c", "import config.settings", **env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in last_line
    assert "secret" not in result.stderr


def test_the_local_defaults_need_no_environment():
    result = run(
        sys.executable,
        "-c",
        "from config import settings as s; print(s.DEBUG, s.TIME_ZONE, "
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])",
        **{"DATABASE_URL": "", "REDIS_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "Asia/Shanghai",
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_ruff_finds_nothing_to_report():
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
