"""The per-client limit on comments: a fixed window in the shared cache, a readable 429."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from consult.models import Comment
from core import ratelimit
from core.clients import client_ip

pytestmark = pytest.mark.django_db


def test_the_eleventh_comment_in_an_hour_gets_a_readable_429(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "10/h"
    for n in range(10):
        response = client.post(comment_url, {**valid_data, "body": f"Comment {n}"})
        assert response.status_code == 302
    response = client.post(comment_url, {**valid_data, "body": "One too many"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many comments from your connection" in html
    assert "This comment was not stored." in html
    assert Comment.objects.count() == 10


def test_the_limit_resets_with_the_next_window(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert client.post(comment_url, valid_data).status_code == 302
    assert client.post(comment_url, valid_data).status_code == 429
    during.shift(3600)
    assert client.post(comment_url, valid_data).status_code == 302


def test_the_limit_is_per_client_address(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "1/h"
    assert client.post(comment_url, valid_data, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert client.post(comment_url, valid_data, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.post(comment_url, valid_data, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "1/h"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client.post(comment_url, valid_data, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 302
    response = client.post(comment_url, valid_data, HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert response.status_code == 429


def test_zero_disables_the_limit(client, consultation, comment_url, valid_data, during, settings):
    settings.COMMENT_RATE_LIMIT = "0"
    for _ in range(15):
        assert client.post(comment_url, valid_data).status_code == 302
    assert Comment.objects.count() == 15


def test_refused_submissions_count_too(
    client, consultation, comment_url, valid_data, during, settings
):
    """A flood of invalid posts is a flood all the same."""
    settings.COMMENT_RATE_LIMIT = "3/h"
    for _ in range(3):
        assert client.post(comment_url, {**valid_data, "body": ""}).status_code == 400
    assert client.post(comment_url, valid_data).status_code == 429


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/h", ratelimit.Rate(10, 3600)),
        ("5/m", ratelimit.Rate(5, 60)),
        ("1/sec", ratelimit.Rate(1, 1)),
        ("100/day", ratelimit.Rate(100, 86400)),
        ("0", None),
        ("", None),
    ],
)
def test_rates_are_parsed(value, expected):
    assert ratelimit.parse_rate(value) == expected


@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_the_client_address_honours_only_trusted_proxies(
    settings, trusted, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_hits_in_one_window_are_counted_atomically_in_the_cache():
    rate = ratelimit.Rate(limit=3, period=60)
    verdicts = [ratelimit.hit("test", "198.51.100.7", rate, now=1_000_000.0) for _ in range(4)]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 20  # 1,000,000 is 40 s into its minute
    fresh = ratelimit.hit("test", "198.51.100.7", rate, now=1_000_020.0)
    assert (fresh.count, fresh.allowed) == (1, True)
