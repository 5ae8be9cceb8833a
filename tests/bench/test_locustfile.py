"""Each load user does one kind of request only: locust gives a user class the tasks of its
base classes as well as its own, so a task inherited by mistake would mix requests of another
kind into a run and under its label.

The classes are inspected in a subprocess: importing locust monkey-patches the process with
gevent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (Path(sys.executable).parent / "locust").exists(),
    reason="needs locust in the environment (pip install '.[bench]')",
)

INSPECT = """
import json
from bench import locustfile
from locust import User
users = {
    name: [task.__qualname__ for task in value.tasks]
    for name, value in vars(locustfile).items()
    if isinstance(value, type) and issubclass(value, User) and not value.abstract
    and value.__module__ == locustfile.__name__
}
print(json.dumps(users))
"""


def test_every_user_class_runs_exactly_its_own_task():
    completed = subprocess.run(
        [sys.executable, "-c", INSPECT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    users = json.loads(completed.stdout.strip().splitlines()[-1])
    assert users == {
        "CommentUser": ["CommentUser.post_comment"],
        "BaselineInsertUser": ["BaselineInsertUser.post_row"],
        "ApiListUser": ["_PageReader.get_page"],
        "BaselineListUser": ["_PageReader.get_page"],
        "ApiNotModifiedUser": ["ApiNotModifiedUser.revalidate"],
    }
