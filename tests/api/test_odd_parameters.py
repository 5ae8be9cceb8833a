"""Odd query parameters answer 400 naming the parameter, never 500."""

from __future__ import annotations

import os
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# The suite runs a few; HYPOTHESIS_ODD_REQUESTS=2000 runs the full count.
EXAMPLES = int(os.environ.get("HYPOTHESIS_ODD_REQUESTS", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.text(st.characters(codec="utf-8"), max_size=40)


@pytest.mark.parametrize(
    ("query", "parameter"), [("format=", "format"), ("=1", ""), ("a=1&=2", "")]
)
@pytest.mark.parametrize("endpoint", ["occupations", "batches", "consultations", "standards"])
def test_an_empty_format_or_a_nameless_parameter_is_a_400_naming_it(
    client, endpoint, query, parameter
):
    response = client.get(f"/api/v1/{endpoint}/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


api_names = st.sampled_from(
    [
        "format",
        "",
        "page",
        "page_size",
        "q",
        "ordering",
        "year",
        "green",
        "updated_since",
        "batch",
        "code",
        "has_standard",
        "cursor",
    ]
)


@FUZZ
@given(
    endpoint=st.sampled_from(["occupations", "batches", "consultations", "standards"]),
    params=st.lists(st.tuples(api_names, text), max_size=5),
)
def test_hostile_api_query_parameters_never_answer_500(registry, endpoint, params):
    client = Client()
    client.raise_request_exception = False
    response = client.get(f"/api/v1/{endpoint}/?{urlencode(params)}")
    assert response.status_code < 500, response.content[:500]
