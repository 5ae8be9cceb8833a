"""Fixtures for the seed data tests: the real seed folder, a scratch copy of it to break, and
the news articles the quotes come from (present beside the repository in CI, else skipped)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from seeds.loader import default_directory

SEEDS_DIR = default_directory()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A copy of the seed data files only, free to be broken."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    return target


@pytest.fixture
def articles_dir() -> Path:
    """The news articles (``shared/seeds`` beside the repository); skip when not checked out."""
    path = Path(settings.BASE_DIR).parent / "shared" / "seeds"
    if not path.is_dir():
        pytest.skip(f"the source articles are not beside the repository ({path})")
    return path
