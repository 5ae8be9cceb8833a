"""Conditional GET: validators from freshness values, 304s, caching headers, and aggregates
over whole tables read in the same query."""

import datetime as dt

import pytest
from django.db.models import Count, Max
from django.http import HttpResponse

from core.api.conditional import not_modified, validators_for, whole_table, with_validators
from occupations.models import Authority, Occupation
from tests.factories import AuthorityFactory

EARLY = dt.datetime(2026, 7, 17, 8, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 7, 18, 8, 0, tzinfo=dt.UTC)


def test_validators_change_with_the_identity_and_the_values():
    values = {"count": 3, "last_modified": EARLY, "related_modified": LATE}
    validators = validators_for(["occupation", "list"], values)

    assert validators == validators_for(["occupation", "list"], dict(values))
    assert validators.etag != validators_for(["occupation", "retrieve"], values).etag
    assert validators.etag != validators_for(["occupation", "list"], {**values, "count": 2}).etag
    assert validators.last_modified == LATE  # the latest of the values
    assert validators.count == 3
    assert validators_for([], {"count": 0}).last_modified is None


def test_a_matching_client_copy_is_answered_304(rf):
    validators = validators_for(["x"], {"count": 1, "last_modified": EARLY})

    assert (
        not_modified(rf.get("/", HTTP_IF_NONE_MATCH=validators.etag), validators).status_code == 304
    )
    assert not_modified(rf.get("/", HTTP_IF_NONE_MATCH='"other"'), validators) is None
    assert not_modified(rf.get("/"), validators) is None


def test_responses_carry_their_validators_and_public_caching():
    validators = validators_for(["x"], {"count": 1, "last_modified": EARLY})

    response = with_validators(HttpResponse(), validators, max_age=60)

    assert response["ETag"] == validators.etag
    assert response["Last-Modified"] == "Fri, 17 Jul 2026 08:00:00 GMT"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    assert response["Vary"] == "Accept, Accept-Language"
    unvalidated = with_validators(HttpResponse(), None, max_age=60)
    assert set(unvalidated["Cache-Control"].split(", ")) == {"private", "no-cache"}


@pytest.mark.django_db
def test_whole_table_aggregates_ride_along_in_one_query(django_assert_num_queries):
    first, *_others = (AuthorityFactory(name=f"Authority {i}") for i in range(3))

    with django_assert_num_queries(1):
        values = Authority.objects.filter(pk=first.pk).aggregate(
            count=Count("*"),
            authorities=whole_table(Authority, Count("*")),
            authorities_modified=whole_table(Authority, Max("updated_at")),
            occupations=whole_table(Occupation, Count("*")),
            occupations_modified=whole_table(Occupation, Max("updated_at")),
        )

    assert values == {
        "count": 1,
        "authorities": 3,
        "authorities_modified": Authority.objects.latest("updated_at").updated_at,
        "occupations": 0,  # an empty table still gives one value
        "occupations_modified": None,
    }


@pytest.mark.django_db
def test_whole_table_aggregates_of_a_query_without_rows_are_null():
    """The query's own count (0) already tells its validators apart."""
    AuthorityFactory()
    values = Occupation.objects.aggregate(
        count=Count("*"), authorities=whole_table(Authority, Count("*"))
    )
    assert values == {"count": 0, "authorities": None}
