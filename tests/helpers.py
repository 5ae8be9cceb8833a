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


def plan(sql: str) -> str:
    """PostgreSQL's plan of ``sql`` with sequential scans, bitmap scans and sorts priced out: on a
    test's small table the planner would take any of them; left with plain index scans, the
    index that fits the WHERE and the ORDER BY wins, if there is one."""
    switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET {switch} = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for switch in switches:
                cursor.execute(f"RESET {switch}")
