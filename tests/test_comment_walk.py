"""The walk of a comment through the code, from the view that receives it to the INSERT of its
row: the consult modules where its code runs, in order.

Recorded with ``sys.setprofile``: at every call and return, the module of the innermost frame
running code of a ``consult`` file (``consult.models`` excluded: models are data every wing
reads). Code of Django, core, the registry and third parties, and code generated at run time
(a dataclass's ``__init__``), counts as a library call of the consult module that made it.
Consecutive repeats are one *stay*; a stay in a module already left before is a *return*.

Measured (``pytest -s tests/test_comment_walk.py`` prints the walks):

- a public comment: ``public.comments → intake.verdict → intake.form → intake.verdict →
  intake.store``, 5 stays, 1 return;
- a keyed comment, as a form or as JSON: ``api.comments → intake.verdict → intake.form →
  intake.verdict → intake.store``, 5 stays, 1 return.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils.module_loading import import_string

import consult
from consult.api.comments import CommentSubmission
from consult.models import Comment
from consult.public.comments import comment_submit
from tests.site.conftest import consultation, during, valid_data  # noqa: F401  (fixtures)
from tests.thirdparty.conftest import make_key

pytestmark = pytest.mark.django_db

MAX_STAYS = 6
MAX_RETURNS = 2
CONSULT = Path(consult.__file__).parent
MODELS = CONSULT / "models"


@dataclass
class Walk:
    """The consult modules a request's code ran in, from ``entry`` to the comment's INSERT."""

    entry: Any  # the code object of the view
    modules: list[str] = field(default_factory=list)
    started: bool = False
    inserted: bool = False

    @property
    def stays(self) -> list[str]:
        return [m for i, m in enumerate(self.modules) if i == 0 or self.modules[i - 1] != m]

    @property
    def returns(self) -> int:
        stays = self.stays
        return sum(1 for i, m in enumerate(stays) if m in stays[:i])

    def __str__(self) -> str:
        return (
            f"{' → '.join(self.stays)}: {len(self.stays)} stays, {self.returns} "
            f"return{'' if self.returns == 1 else 's'} "
            f"(targets ≤ {MAX_STAYS} stays, ≤ {MAX_RETURNS} returns)"
        )

    def note(self, module: str) -> None:
        if self.started and not self.inserted:
            self.modules.append(module)


def consult_module(frame: FrameType) -> str | None:
    """``public.comments`` for a frame running code of ``consult/public/comments.py``; None for
    library code, generated code and ``consult.models``."""
    path = Path(frame.f_code.co_filename)
    if not path.is_relative_to(CONSULT) or path.is_relative_to(MODELS):
        return None
    return ".".join(path.relative_to(CONSULT).with_suffix("").parts)


def innermost_consult_module(frame: FrameType | None) -> str | None:
    while frame is not None:
        module = consult_module(frame)
        if module is not None:
            return module
        frame = frame.f_back
    return None


@contextmanager
def walking(view: Callable[..., Any]) -> Iterator[Walk]:
    """Record the walk of the request made inside the block, from the entry of ``view``."""
    walk = Walk(entry=inspect.unwrap(view).__code__)

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        # A library call or return leaves the innermost consult frame where it was; only a
        # consult frame starting or ending moves it.
        if event == "call":
            walk.started = walk.started or frame.f_code is walk.entry
            module = consult_module(frame)
            if module is not None:
                walk.note(module)
        elif event == "return" and consult_module(frame) is not None:
            module = innermost_consult_module(frame.f_back)
            if module is not None:
                walk.note(module)

    def stop_at_the_insert(execute, sql, params, many, context):
        if sql.startswith(f'INSERT INTO "{Comment._meta.db_table}"'):
            walk.inserted = True
        return execute(sql, params, many, context)

    # Django imports the upload handlers at their first use: loading a module is no part of
    # a comment's path.
    for handler in settings.FILE_UPLOAD_HANDLERS:
        import_string(handler)
    with connection.execute_wrapper(stop_at_the_insert):
        sys.setprofile(profile)
        try:
            yield walk
        finally:
            sys.setprofile(None)


def test_a_public_comment_walks_at_most_six_stays_from_its_post_to_its_insert(
    consultation,  # noqa: F811
    valid_data,  # noqa: F811
    during,  # noqa: F811
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with walking(comment_submit) as walk:
        response = client.post(f"/consultations/{consultation.slug}/comment/", valid_data)

    assert response.status_code == 302
    assert walk.inserted and Comment.objects.count() == 1
    print(f"\npublic comment: {walk}")
    assert len(walk.stays) <= MAX_STAYS, str(walk)
    assert walk.returns <= MAX_RETURNS, str(walk)


@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
def test_a_keyed_comment_walks_at_most_six_stays_from_its_post_to_its_insert(
    consultation,  # noqa: F811
    during,  # noqa: F811
    as_json,
):
    _key, token = make_key()
    client = Client(HTTP_X_API_KEY=token, HTTP_ACCEPT_LANGUAGE="en")
    url = f"/api/v1/consultations/{consultation.slug}/comments/"
    data = {"body": "Please add safety training to the tasks.", "signatures": 3}
    with walking(CommentSubmission.create) as walk:
        if as_json:
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)

    assert response.status_code == 201, response.content
    assert walk.inserted and Comment.objects.get().signatures == 3
    print(f"\nkeyed comment ({'json' if as_json else 'multipart'}): {walk}")
    assert len(walk.stays) <= MAX_STAYS, str(walk)
    assert walk.returns <= MAX_RETURNS, str(walk)
