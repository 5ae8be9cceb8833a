"""Fixtures of the release tests: the seed history loaded as its releases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from seeds import loader

SEEDS_DIR = loader.default_directory()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A copy of the seed data files, free to be corrected."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    return target


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    """The seed history loaded, as the releases it implies (their download builds queued)."""
    with django_capture_on_commit_callbacks(execute=True):
        report = loader.load(loader.read_seeds(SEEDS_DIR))
    return report
