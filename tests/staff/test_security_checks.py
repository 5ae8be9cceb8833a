"""bandit over the code: no medium or high finding left unexplained. (Django's deployment checks
with the production settings are tests/test_project.py's.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Every medium or high finding bandit reports, with why it is not a hole. Keyed by the check and
# the flagged line's code, not by path, so that moving a module keeps its explanation.
EXPLAINED = {
    ("B703", "body = mark_safe(text)  # JSON-escaped above"): (
        "JSON-LD: <, > and & are JSON-escaped the line before (test_json_ld tests a name "
        "holding </script><!--)"
    ),
    ("B308", "body = mark_safe(text)  # JSON-escaped above"): (
        "JSON-LD: <, > and & are JSON-escaped the line before (test_json_ld tests a name "
        "holding </script><!--)"
    ),
    ("B610", "**(extra(consultation) if extra else {}),"): (
        "a local callback named `extra`, not QuerySet.extra(): no SQL is written"
    ),
    ("B506", "return name, yaml.load(text, Loader=loader)  # a safe loader (C when available)"): (
        "the loader is yaml.CSafeLoader or yaml.SafeLoader, chosen the line before"
    ),
    ("B608", 'sql = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES "'): (
        "table and column names come from the models' _meta, quoted; every value is a parameter"
    ),
    ("B608", 'f"COALESCE((SELECT jsonb_agg(name ORDER BY position) FROM {table} "'): (
        "JobTypeNames: the table name comes from JobType._meta, quoted; the occupation is the "
        "compiled expression's parameter"
    ),
    ("B608", '"COALESCE((SELECT json_group_array(name) FROM (SELECT name FROM "'): (
        "JobTypeNames: the table name comes from JobType._meta, quoted; the occupation is the "
        "compiled expression's parameter"
    ),
}


def test_bandit_finds_nothing_unexplained():
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-r", ".", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    assert not report["errors"], report["errors"]
    serious = [
        issue for issue in report["results"] if issue["issue_severity"] in {"MEDIUM", "HIGH"}
    ]
    unexplained = []
    for issue in serious:
        flagged = issue["code"].splitlines()
        line = next(
            (
                text.split(" ", 1)[1].strip()
                for text in flagged
                if text.startswith(f"{issue['line_number']} ")
            ),
            "",
        )
        if (issue["test_id"], line) not in EXPLAINED:
            unexplained.append(
                f"{issue['filename']}:{issue['line_number']} {issue['test_id']} "
                f"{issue['issue_text']} [{line}]"
            )
    assert not unexplained, "bandit findings without an explanation:\n" + "\n".join(unexplained)
