"""The benchmarks run on the project's own settings plus the bench apps and the baselines' URLs
(``config.bench_settings``); the project's settings install neither."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parents[2]

DUMP = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse
# Every setting as its repr, but for a lazy object whose repr shows its address in memory.
print(json.dumps({
    "settings": {
        name: repr(getattr(settings, name))
        for name in dir(settings._wrapped)
        if name.isupper() and not name.startswith("_") and name != "AXES_USERNAME_FORM_FIELD"
    },
    "apps": list(settings.INSTALLED_APPS),
    "insert_url": reverse("bench-baseline-insert") if "bench.baseline" in settings.INSTALLED_APPS
    else None,
    "command": get_commands().get("generate_load_data"),
}))
"""


def dump(settings_module: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", DUMP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def project() -> dict:
    return dump("config.settings")


@pytest.fixture(scope="module")
def bench() -> dict:
    return dump("config.bench_settings")


def test_the_bench_settings_add_the_bench_apps_after_the_projects(project, bench):
    assert bench["apps"] == [*project["apps"], "bench", "bench.baseline"]
    assert bench["command"] == "bench"


def test_the_bench_settings_mount_the_baselines_beside_the_projects_urls(bench):
    assert bench["settings"]["ROOT_URLCONF"] == "'config.bench_urls'"
    assert bench["insert_url"] == "/bench-baseline/insert/"


def test_every_other_setting_is_the_projects_own(project, bench):
    """What the benchmarks measure runs under the product's middleware, database, cache and
    limits."""
    differing = {
        name
        for name in project["settings"].keys() | bench["settings"].keys()
        if project["settings"].get(name) != bench["settings"].get(name)
    }
    assert differing == {"INSTALLED_APPS", "ROOT_URLCONF", "SETTINGS_MODULE"}


def test_the_project_settings_install_no_bench_app_and_no_baseline_url():
    assert not [app for app in settings.INSTALLED_APPS if app.split(".")[0] == "bench"]
    assert "generate_load_data" not in get_commands()
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline-insert")
