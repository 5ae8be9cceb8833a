"""Every list answers with the same number of queries at 1 and at 100 rows per page: nested
standards, levels, tasks, authorities and drafts come from prefetches, never per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult.models import Consultation
from occupations.api.registry import OccupationViewSet
from occupations.models import Occupation
from tests.api.conftest import (
    body_of,
    many_batches,
    many_comments,
    many_consultations,
    many_occupations,
)
from tests.factories import ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db


def queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        body_of(response)
    assert response.status_code == 200, response.content
    return len(captured)


def assert_constant(client, url: str, *, rows: int, expected: int) -> None:
    client.get(url)  # anything cached per process is cached now
    at_one = queries(client, url, page_size=1)
    at_hundred = queries(client, url, page_size=100)
    whole_csv = queries(client, url, format="csv")
    assert client.get(url, {"page_size": 100}).json()["count"] >= rows
    assert at_one == at_hundred == expected, (at_one, at_hundred)
    # The CSV streams the whole set in chunks: one query per chunk and prefetch. The pages take
    # their count from the validators' aggregate, so neither runs a count of its own.
    assert whole_csv == expected, whole_csv


def test_occupations_list(client):
    many_occupations(100)

    # aggregate for the validators (and the page count), page, standards, job types, and the
    # lineage both ways (replaces, replaced_by)
    assert_constant(client, "/api/v1/occupations/", rows=100, expected=6)


def test_occupations_list_with_a_search_and_filters(client):
    many_occupations(100)

    client.get("/api/v1/occupations/", {"q": "design", "has_standard": "true"})
    at_one = queries(client, "/api/v1/occupations/", q="design", has_standard="true", page_size=1)
    at_hundred = queries(
        client, "/api/v1/occupations/", q="design", has_standard="true", page_size=100
    )
    # with the job types and the lineage both ways: one query each, whatever the page size
    assert at_one == at_hundred == 6


def test_batches_list(client):
    many_batches(100)

    # aggregate, page, authorities
    assert_constant(client, "/api/v1/batches/", rows=100, expected=3)


def test_standards_list(client):
    many_occupations(100)

    # aggregate, page with occupations, authorities, levels
    assert_constant(client, "/api/v1/standards/", rows=100, expected=4)


def test_consultations_list(client):
    many_consultations(100)

    # aggregate, page with comment counts, drafts
    assert_constant(client, "/api/v1/consultations/", rows=100, expected=3)


def test_comments_list(client):
    consultation = ConsultationFactory(slug="busy", status=Consultation.Status.CONSULTATION)
    DraftOccupationFactory(consultation=consultation, position=1, status="proposed")
    many_comments(consultation, 100)

    # consultation, aggregate, page with draft occupations
    assert_constant(client, "/api/v1/consultations/busy/comments/", rows=100, expected=3)


def test_the_browsable_api_adds_no_query_per_row(client):
    many_occupations(100)
    url = "/api/v1/occupations/"
    client.get(url, HTTP_ACCEPT="text/html")

    with CaptureQueriesContext(connection) as at_one:
        client.get(url, {"page_size": 1}, HTTP_ACCEPT="text/html")
    with CaptureQueriesContext(connection) as at_hundred:
        client.get(url, {"page_size": 100}, HTTP_ACCEPT="text/html")

    assert len(at_one) == len(at_hundred)


def test_the_occupations_page_leaves_the_long_columns_it_does_not_show_unread():
    """Search text and notes are as long as the record itself and never shown (the
    occupation's sources are: its provenance; its batch's are not)."""
    many_occupations(3)

    shown = OccupationViewSet().decorate(Occupation.objects.published()).first()

    assert {"search_text", "notes"} <= shown.get_deferred_fields()
    assert "sources" not in shown.get_deferred_fields()
    assert {"sources", "notes"} <= shown.batch.get_deferred_fields()
