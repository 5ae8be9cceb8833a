"""Page queries do not grow with the number of drafts, comments or occupations listed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number
from occupations.workflow import attach_skill_standard
from tests.factories import (
    BatchFactory,
    CommentFactory,
    ConsultationFactory,
    GroupFactory,
    OccupationFactory,
)
from tests.helpers import plan
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db

SIZES = (2, 50)
DISPOSITIONS = ("pending", "adopted", "partly_adopted", "not_adopted", "noted")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def consultation_with(rows: int, window, status: str) -> Consultation:
    consultation = ConsultationFactory(
        slug=f"list-{rows}", status=status, opens_at=window[0], closes_at=window[1]
    )
    group = GroupFactory()
    drafts = [
        make_draft(consultation, position, name=f"Draft {position}", group=group)
        for position in range(1, rows + 1)
    ]
    for n in range(rows):
        draft = drafts[n % len(drafts)] if n % 3 else None
        CommentFactory(
            consultation=consultation,
            occupation=draft,
            field="task" if draft and n % 2 else "",
            task_number=1 if draft and n % 2 else None,
            body="Campaign text" if n % 5 == 0 else f"Comment {n}",
            status="published",
            consent_to_publish=True,
            disposition=DISPOSITIONS[n % 5],
            reply=f"Reply {n}" if n % 2 else "",
        )
    return consultation


def measure(client, make_url, window, *, at) -> dict[int, int]:
    counts = {}
    for rows in SIZES:
        url = make_url(rows)
        with time_machine.travel(at, tick=False):
            counts[rows] = count_queries(client, url)
    return counts


def test_the_consultation_page_queries_do_not_grow(client, window):
    for rows in SIZES:
        consultation_with(rows, window, "consultation")
    counts = measure(
        client, lambda n: f"/consultations/list-{n}/", window, at=window[0] + dt.timedelta(days=1)
    )
    assert counts[2] == counts[50], counts


def test_the_report_queries_do_not_grow(client, window):
    for rows in SIZES:
        consultation_with(rows, window, "review")
    counts = measure(
        client,
        lambda n: f"/consultations/list-{n}/report/",
        window,
        at=window[1] + dt.timedelta(days=1),
    )
    assert counts[2] == counts[50], counts


def make_catalogue(rows: int, publisher) -> None:
    group = GroupFactory()
    batch = BatchFactory(slug=f"batch-{rows}", announced_on=dt.date(2020 + rows % 7, 1, 1))
    for n in range(rows):
        occupation = OccupationFactory(
            batch=batch, name=f"Occupation {rows}-{n}", group=group, green=bool(n % 2)
        )
        if n % 2:
            attach_skill_standard(
                occupation, by=publisher, title=f"Standard {rows}-{n}", kind="technical"
            )


def test_the_catalogue_queries_do_not_grow(client, publisher):
    counts = {}
    for rows in SIZES:
        make_catalogue(rows, publisher)
        counts[rows] = count_queries(client, f"/occupations/?batch=batch-{rows}&q=occupation")
    assert counts[2] == counts[50], counts


def test_the_batch_page_queries_do_not_grow(client, publisher):
    counts = {}
    for rows in SIZES:
        make_catalogue(rows, publisher)
        counts[rows] = count_queries(client, f"/batches/batch-{rows}/")
    assert counts[2] == counts[50], counts


def test_the_home_page_queries_do_not_grow(client, window):
    counts = {}
    made = 0
    for rows in SIZES:
        for n in range(made, rows):
            ConsultationFactory(status="consultation", opens_at=window[0], closes_at=window[1])
            BatchFactory(announced_on=dt.date(2019, 1, 1) + dt.timedelta(days=n))
        made = rows
        with time_machine.travel(window[0] + dt.timedelta(days=1), tick=False):
            counts[rows] = count_queries(client, "/")
            list_count = count_queries(client, "/consultations/")
        counts[f"list-{rows}"] = list_count
    assert counts[2] == counts[50], counts
    assert counts["list-2"] == counts["list-50"], counts


def test_the_occupation_page_queries_do_not_grow_with_its_standards(client, publisher):
    counts = {}
    for size in (1, 6):
        occupation = OccupationFactory(name=f"With {size} standards")
        for n in range(size):
            attach_skill_standard(
                occupation,
                by=publisher,
                title=f"Standard {n}",
                kind="technical" if n % 2 else "skill",
            )
        counts[size] = count_queries(client, f"/occupations/{occupation.pk}/")
    assert counts[1] == counts[6], counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_consultation_page_reads_its_public_comments_from_their_partial_index(client, window):
    """The page of comments is read in order from comment_public_in_order, no sort: the
    index's condition is implied by the page's WHERE (one rule, ``PUBLIC_COMMENT``). (The
    count may take either this index or comment_consultation_status.)"""
    consultation = consultation_with(2, window, "consultation")
    other = ConsultationFactory(status="consultation", opens_at=window[0], closes_at=window[1])
    Comment.objects.bulk_create(
        [
            Comment(
                consultation=(consultation, other)[n % 2],
                body=f"Comment {n}",
                fingerprint=comment_fingerprint(f"Comment {n}"),
                tracking_number=new_tracking_number(),
                status=("published", "received", "hidden")[n % 3],
                consent_to_publish=bool(n % 4),
            )
            for n in range(3000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consult_comment")
    with (
        time_machine.travel(window[0] + dt.timedelta(days=1), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(f"/consultations/{consultation.slug}/")
    assert response.status_code == 200
    pages = [
        q["sql"]
        for q in queries
        if 'FROM "consult_comment"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert len(pages) == 1
    assert "Index Scan using comment_public_in_order" in plan(pages[0])
    assert "Sort" not in plan(pages[0])
