"""API keys: made once and shown once, stored hashed, scoped, throttled per key with the rate
headers, revocable, never in a log."""

from __future__ import annotations

import hashlib
import logging
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from consult.models import ApiKey
from tests.thirdparty.conftest import make_key

pytestmark = pytest.mark.django_db

LIST = "/api/v1/batches/"


def test_a_key_is_stored_only_as_its_hash(comment_key):
    _key, token = comment_key
    assert token.startswith("ck_") and len(token) > 40
    stored = ApiKey.objects.get()
    assert stored.hashed == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:7]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM consult_apikey")
        assert token not in repr(cursor.fetchall())


def test_the_command_prints_a_new_key_once(capsys):
    call_command("create_api_key", owner="Chamber of Commerce", scopes="read,comment")
    out = capsys.readouterr().out
    token = next(word for word in out.split() if word.startswith("ck_"))
    key = ApiKey.objects.by_token(token)
    assert key.owner == "Chamber of Commerce"
    assert key.scopes == ["read", "comment"]


@pytest.mark.parametrize("scopes", ["write", "", "read,admin"])
def test_the_command_refuses_unknown_scopes(scopes):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Scopes are read, comment or both"):
        call_command("create_api_key", owner="Chamber of Commerce", scopes=scopes)
    assert not ApiKey.objects.exists()


def test_a_keyed_read_carries_the_rate_headers_and_records_the_use(keyed_client, comment_key):
    response = keyed_client.get(LIST)
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "10000"
    assert response["X-RateLimit-Remaining"] == "9999"
    assert "X-Api-Key" in response["Vary"]
    assert "private" in response["Cache-Control"]
    assert ApiKey.objects.get().last_used_at is not None
    assert keyed_client.get(LIST)["X-RateLimit-Remaining"] == "9998"


def test_an_anonymous_read_carries_no_rate_headers(client):
    response = client.get(LIST)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_keys_read_at_a_higher_rate_than_anonymous_clients(settings, keyed_client, client):
    settings.API_THROTTLE_RATE = "2/m"
    settings.API_KEY_READ_RATE = "4/m"
    anonymous = [client.get(LIST).status_code for _ in range(4)]
    keyed = [keyed_client.get(LIST).status_code for _ in range(4)]
    assert anonymous == [200, 200, 429, 429]
    assert keyed == [200, 200, 200, 200]


def test_a_throttled_key_gets_429_with_reset_and_retry_after(settings, keyed_client):
    settings.API_KEY_READ_RATE = "2/h"
    assert keyed_client.get(LIST)["X-RateLimit-Remaining"] == "1"
    assert keyed_client.get(LIST)["X-RateLimit-Remaining"] == "0"
    before = time.time()
    refused = keyed_client.get(LIST)
    assert refused.status_code == 429
    assert refused["X-RateLimit-Limit"] == "2"
    assert refused["X-RateLimit-Remaining"] == "0"
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 7200
    assert abs(int(refused["X-RateLimit-Reset"]) - (before + retry_after)) <= 2
    assert refused.json()["detail"]


def test_a_revoked_key_is_refused_with_401(keyed_client, comment_key):
    key, _token = comment_key
    key.revoke(now=key.created_at)
    response = keyed_client.get(LIST)
    assert response.status_code == 401
    assert response.json() == {"detail": "This API key is not valid or has been revoked."}
    assert response["WWW-Authenticate"] == 'ApiKey header="X-Api-Key"'


@pytest.mark.parametrize("token", ["", "ck_guess", "x" * 5000])
def test_an_unknown_key_is_refused_with_401(token):
    response = Client(HTTP_X_API_KEY=token, HTTP_ACCEPT_LANGUAGE="en").get(LIST)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        "/api/v1/occupations/",
        "/api/v1/standards/",
        "/api/v1/releases/",
        "/api/v1/consultations/",
        "/api/v1/",
    ],
)
def test_a_comment_only_key_reads_what_anonymous_clients_read(db, url):
    """A key never reads less than no key: with only the comment scope it reads as an
    anonymous client does, the same body, counted by address at the anonymous rate."""
    _key, token = make_key(scopes=["comment"])
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    keyed = Client(HTTP_X_API_KEY=token, HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert anonymous.status_code == keyed.status_code == 200
    assert keyed.content == anonymous.content
    assert "X-RateLimit-Limit" not in keyed


def test_a_comment_only_key_reads_at_the_anonymous_rate(settings, db):
    settings.API_THROTTLE_RATE = "2/m"
    settings.API_KEY_READ_RATE = "100/m"
    _key, token = make_key(scopes=["comment"])
    client = Client(HTTP_X_API_KEY=token)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]


def test_the_key_never_reaches_the_log(keyed_client, comment_key, caplog, consultation):
    _key, token = comment_key
    with caplog.at_level(logging.DEBUG):
        keyed_client.get(LIST)
        keyed_client.post(f"/api/v1/consultations/{consultation.slug}/comments/", {})
        Client(HTTP_X_API_KEY=token + "x").get(LIST)
    assert caplog.records
    assert all(token not in record.getMessage() for record in caplog.records)
    assert all(token not in str(record.args) for record in caplog.records)


def test_last_use_is_written_at_most_once_a_minute(keyed_client, django_assert_num_queries):
    keyed_client.get(LIST)
    first = ApiKey.objects.get().last_used_at
    keyed_client.get(LIST)
    assert ApiKey.objects.get().last_used_at == first


def test_writes_elsewhere_are_not_allowed_even_with_a_key(keyed_client, db):
    for method in (keyed_client.post, keyed_client.put, keyed_client.delete):
        assert method(LIST).status_code == 405


def test_a_key_costs_one_query_a_request(keyed_client, client, django_assert_num_queries):
    """Finding the key is one indexed SELECT; its last use is written once a minute, not on
    every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keyed_client.get(LIST)  # records the first use
    with CaptureQueriesContext(connection) as anonymous:
        client.get(LIST)
    with CaptureQueriesContext(connection) as keyed:
        keyed_client.get(LIST)
    assert len(keyed) == len(anonymous) + 1


def test_the_key_is_masked_in_error_reports(rf):
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.get(LIST, HTTP_X_API_KEY="ck_secret-value")
    meta = SafeExceptionReporterFilter().get_safe_request_meta(request)
    assert meta["HTTP_X_API_KEY"] != "ck_secret-value"
    assert set(meta["HTTP_X_API_KEY"]) == {"*"}


def test_refused_keys_are_throttled_per_address(settings, db):
    """Guessing keys: past API_KEY_FAILURE_RATE refused keys an address gets 429 for any key,
    the right one too (so the answers tell a guesser nothing), with Retry-After; another
    address, and keyless reads from the same one, go on as before."""
    settings.API_KEY_FAILURE_RATE = "3/h"
    _key, token = make_key(scopes=["read"])
    guesser = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en")

    guesses = [guesser.get(LIST, HTTP_X_API_KEY=f"ck_guess{n}").status_code for n in range(5)]
    right_key = guesser.get(LIST, HTTP_X_API_KEY=token)

    assert guesses == [401, 401, 401, 429, 429]
    assert right_key.status_code == 429
    # The sliding window may need up to two periods to leave room again.
    assert 1 <= int(right_key["Retry-After"]) <= 2 * 3600
    assert "refused for their API key" in right_key.json()["detail"]
    assert guesser.get(LIST).status_code == 200
    other = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_API_KEY=token)
    assert other.get(LIST).status_code == 200


def test_an_ipv6_guesser_is_counted_by_its_64(settings, db):
    settings.API_KEY_FAILURE_RATE = "2/h"
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n}").get(LIST, HTTP_X_API_KEY="ck_guess").status_code
        for n in range(1, 4)
    ]
    assert statuses == [401, 401, 429]


def test_right_keys_are_not_counted_as_failures(settings, db):
    settings.API_KEY_FAILURE_RATE = "2/h"
    _key, token = make_key(scopes=["read"])
    client = Client(HTTP_X_API_KEY=token)
    assert [client.get(LIST).status_code for _ in range(4)] == [200] * 4
