"""HTTP behaviour shared by every endpoint: validators and 304s, caching headers, CORS,
throttling, the browsable API and the URL layout."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils.http import http_date

from consult.workflow.moderation import set_disposition
from occupations.models import Occupation
from tests.api.conftest import csv_of

pytestmark = pytest.mark.django_db


def every_url(registry, consultations) -> list[str]:
    signed = consultations["signed"]
    return [
        "/api/v1/batches/",
        "/api/v1/batches/batch-1/",
        "/api/v1/occupations/",
        f"/api/v1/occupations/{registry['occupations'][0].pk}/",
        "/api/v1/standards/",
        f"/api/v1/standards/{registry['standards'][0].pk}/",
        "/api/v1/consultations/",
        "/api/v1/consultations/draft-list-2026/",
        "/api/v1/consultations/draft-list-2026/comments/",
        f"/api/v1/consultations/draft-list-2026/comments/{signed.pk}/",
    ]


def test_every_endpoint_sends_validators_and_public_cache_control(client, registry, consultations):
    for url in every_url(registry, consultations):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('"'), url
        assert response["Last-Modified"], url
        assert "public" in response["Cache-Control"], url
        assert "max-age=" in response["Cache-Control"], url
        assert "Accept" in response["Vary"], url


def test_a_repeated_request_with_if_none_match_is_304(client, registry, consultations):
    for url in every_url(registry, consultations):
        first = client.get(url)
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "public" in again["Cache-Control"]


def test_a_repeated_request_with_if_modified_since_is_304(client, registry, consultations):
    for url in every_url(registry, consultations):
        first = client.get(url)
        again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 304, url


def test_csv_lists_answer_304_too(client, registry):
    first = client.get("/api/v1/occupations/", {"format": "csv", "green": "true"})
    again = client.get(
        "/api/v1/occupations/",
        {"format": "csv", "green": "true"},
        HTTP_IF_NONE_MATCH=first["ETag"],
    )

    assert again.status_code == 304


def test_a_change_answers_200_with_new_validators(client, registry):
    url = "/api/v1/occupations/"
    first = client.get(url)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    Occupation.objects.filter(pk=registry["occupations"][0].pk).update(updated_at=later)

    again = client.get(
        url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert again["Last-Modified"] == http_date(later.timestamp())
    assert by_date.status_code == 200


def test_a_reply_to_an_old_comment_moves_the_comments_last_modified(
    client, registry, consultations, moderator
):
    """A disposition recorded later changes what the comments list says: a client revalidating
    by date alone gets the new body, not a 304."""
    url = "/api/v1/consultations/draft-list-2026/comments/"
    first = client.get(url)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        set_disposition(
            [consultations["signed"]],
            by=moderator,
            disposition="adopted",
            reply="The definition now mentions storage.",
            now=later,
        )

    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_date.status_code == 200
    assert by_date["Last-Modified"] == http_date(later.timestamp())
    assert "The definition now mentions storage." in by_date.content.decode()


def test_validators_differ_by_query_and_format(client, registry):
    plain = client.get("/api/v1/occupations/")
    filtered = client.get("/api/v1/occupations/", {"green": "true"})
    as_csv = client.get("/api/v1/occupations/", {"format": "csv"})

    assert len({plain["ETag"], filtered["ETag"], as_csv["ETag"]}) == 3
    stale = client.get("/api/v1/occupations/", {"green": "true"}, HTTP_IF_NONE_MATCH=plain["ETag"])
    assert stale.status_code == 200


def test_an_unknown_etag_or_an_old_date_gets_the_body(client, registry):
    url = "/api/v1/batches/"

    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="not a date").status_code == 200


def test_cors_allows_get_from_any_origin(client, registry):
    response = client.get("/api/v1/occupations/", HTTP_ORIGIN="https://jobs.example.net")
    preflight = client.options(
        "/api/v1/occupations/",
        HTTP_ORIGIN="https://jobs.example.net",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response["Access-Control-Allow-Origin"] == "*"
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_the_throttle_reads_the_rate_per_request_and_answers_429(client, registry, settings):
    settings.API_THROTTLE_RATE = "3/min"
    url = "/api/v1/batches/"

    statuses = [client.get(url).status_code for _ in range(4)]
    refused = client.get(url)

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()
    # Another client address has its own allowance.
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_throttle_counts_the_client_behind_trusted_proxies(client, registry, settings):
    settings.API_THROTTLE_RATE = "1/min"
    settings.TRUSTED_PROXY_COUNT = 1
    url = "/api/v1/batches/"

    first = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1")
    other = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert [first.status_code, second.status_code, other.status_code] == [200, 429, 200]


def test_a_rate_of_zero_disables_the_throttle(client, registry, settings):
    settings.API_THROTTLE_RATE = "0"

    assert {client.get("/api/v1/batches/").status_code for _ in range(5)} == {200}


def test_the_browsable_api_renders_for_people(client, registry, consultations):
    for url in (
        "/api/v1/",
        "/api/v1/occupations/",
        "/api/v1/occupations/?green=true&page_size=2",
        "/api/v1/consultations/draft-list-2026/comments/",
    ):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        assert "ETag" not in response
    page = client.get("/api/v1/occupations/", HTTP_ACCEPT="text/html").content.decode()
    assert "人工智能工程技术人员" in page


def test_json_is_the_default_and_format_json_works(client, registry):
    assert client.get("/api/v1/occupations/")["Content-Type"] == "application/json"
    response = client.get("/api/v1/occupations/", {"format": "json"})
    assert response["Content-Type"] == "application/json"
    # Record URLs never carry the format of the request that listed them.
    assert "format" not in response.json()["results"][0]["url"]


def test_the_api_root_lists_the_endpoints(client):
    assert client.get("/api/v1/").json() == {
        "batches": "http://testserver/api/v1/batches/",
        "occupations": "http://testserver/api/v1/occupations/",
        "standards": "http://testserver/api/v1/standards/",
        "releases": "http://testserver/api/v1/releases/",
        "classification": "http://testserver/api/v1/classification/",
        "consultations": "http://testserver/api/v1/consultations/",
    }


def test_writes_are_refused(client, registry):
    for method in (client.post, client.put, client.patch, client.delete):
        assert method("/api/v1/batches/batch-1/").status_code in {403, 405}


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/api/v1/batches/", "batches.csv"),
        ("/api/v1/occupations/", "occupations.csv"),
        ("/api/v1/standards/", "standards.csv"),
        ("/api/v1/consultations/", "consultations.csv"),
        ("/api/v1/consultations/draft-list-2026/comments/", "comments.csv"),
    ],
)
def test_every_list_streams_csv(client, registry, consultations, url, filename):
    response = client.get(url, {"format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{filename}"' in response["Content-Disposition"]
    assert len(csv_of(response)) == 1 + client.get(url).json()["count"]


def test_formats_are_chosen_by_parameter_never_by_suffix(client, registry):
    assert client.get("/api/v1/occupations.csv/").status_code == 404
    assert client.get("/api/v1/occupations.json/").status_code == 404
    assert client.get("/api/v1/occupations/", {"format": "csv"}).status_code == 200


def test_head_answers_like_get_without_a_body(client, registry):
    get = client.get("/api/v1/occupations/")
    head = client.head("/api/v1/occupations/")

    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.content == b""


def test_a_search_of_too_many_words_is_refused_naming_q(client, registry):
    """The query grows with every word: past the page's 200 characters the API answers 400."""
    response = client.get("/api/v1/occupations/", {"q": " ".join(["a"] * 999)})
    assert response.status_code == 400
    assert "q" in response.json()


def test_a_repeated_search_word_counts_once(client, registry):
    once = client.get("/api/v1/occupations/", {"q": "engineer"}).json()["count"]
    assert client.get("/api/v1/occupations/", {"q": "engineer " * 20}).json()["count"] == once


# The contract both ways: what the schema forbids is refused by name ----------------------


@pytest.mark.parametrize("value", ["-88158674347", "0", "abc", ""])
def test_a_bad_page_size_is_refused_with_csv_too(client, registry, value):
    response = client.get("/api/v1/occupations/", {"format": "csv", "page_size": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("url", ["/api/v1/occupations/", "/api/v1/occupations/1/"])
def test_an_unknown_query_parameter_is_refused_by_name(client, registry, url):
    response = client.get(url, {"salary": "high"})
    assert response.status_code == 400
    assert list(response.json()) == ["salary"]


def test_a_release_of_year_zero_is_outside_the_schema_and_refused(client, registry):
    from tests.api.test_api_schema import SCHEMA

    parameters = SCHEMA["paths"]["/api/v1/occupations/"]["get"]["parameters"]
    pattern = next(p for p in parameters if p["name"] == "release")["schema"]["pattern"]
    assert not re.match(pattern, "0000.1")
    assert re.match(pattern, "2026.1")
    response = client.get("/api/v1/occupations/", {"release": "0000.1"})
    assert response.status_code == 400
    assert list(response.json()) == ["release"]


@pytest.mark.parametrize("url", ["/api/v1/occupations/", "/api/v1/batches/batch-1/", "/api/v1/"])
def test_trace_is_a_405_whatever_the_query(client, registry, url):
    response = client.generic("TRACE", f"{url}?=1&format=&lang=xx")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "TRACE" not in response["Allow"]


@pytest.mark.parametrize("url", ["/api/v1/consultations/%3A/comments/", "/api/v1/batches/%0A/"])
def test_any_request_to_an_unknown_api_address_is_a_json_404(url):
    """No CSRF page and no HTML 404 under /api/, for a POST or a slug with a line break."""
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    for response in (browser.post(url, "{}", content_type="application/json"), browser.get(url)):
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found."}
