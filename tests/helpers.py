"""Assertions shared by several test areas."""

import pytest
from django.db import IntegrityError, connection, transaction


def assert_refused(write, constraint: str) -> None:
    """``write()`` fails in the database, and the error names the constraint (PostgreSQL names
    every constraint; SQLite names check constraints only)."""
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        write()
    if connection.vendor == "postgresql" or not constraint.startswith("unique:"):
        assert constraint.removeprefix("unique:") in str(exc.value)
