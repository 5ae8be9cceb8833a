"""The per-client limit on comments: a sliding window in the shared cache that counts stored
comments and honeypot hits, an IPv6 client by its /64, and a readable 429."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from consult.models import Comment
from core import outages, ratelimit
from core.clients import client_ip, client_key

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


def test_a_refused_comment_comes_back_in_the_form_with_everything_typed(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "1/h"
    assert client.post(comment_url, valid_data).status_code == 302
    draft = consultation.drafts.get(position=1)
    typed = {
        **valid_data,
        "occupation": str(draft.pk),
        "field": "task",
        "task_number": "2",
        "body": "A careful comment\nover two lines.",
        "proposed_text": "Inspect & record.",
        "name": "Association member",
        "organisation": "Hydrogen Association",
        "email": "member@example.org",
        "consent_to_publish": "on",
    }
    response = client.post(comment_url, typed)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Your text is kept in the form below" in html
    assert ">\nA careful comment\nover two lines.</textarea>" in html
    assert ">\nInspect &amp; record.</textarea>" in html
    assert 'value="Hydrogen Association"' in html and 'value="member@example.org"' in html
    assert f'<option value="{draft.pk}" selected>' in html
    assert '<option value="task" selected>' in html and 'value="2"' in html
    assert 'name="consent_to_publish" id="id_consent_to_publish" checked' in html
    assert Comment.objects.count() == 1


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


def test_invalid_forms_a_person_corrects_are_not_counted(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "3/h"
    for _ in range(5):
        assert client.post(comment_url, {**valid_data, "body": ""}).status_code == 400
    for _ in range(3):
        assert client.post(comment_url, valid_data).status_code == 302
    assert client.post(comment_url, valid_data).status_code == 429
    assert Comment.objects.count() == 3


def test_honeypot_hits_are_counted(client, consultation, comment_url, valid_data, during, settings):
    settings.COMMENT_RATE_LIMIT = "2/h"
    for _ in range(2):
        response = client.post(comment_url, {**valid_data, "website": "http://spam.example"})
        assert response.status_code == 200
    assert client.post(comment_url, valid_data).status_code == 429
    assert Comment.objects.count() == 0


def test_an_ipv6_client_is_counted_by_its_64(
    client, consultation, comment_url, valid_data, during, settings
):
    settings.COMMENT_RATE_LIMIT = "2/h"
    for host in range(1, 3):
        response = client.post(comment_url, valid_data, REMOTE_ADDR=f"2001:db8:1:2::{host}")
        assert response.status_code == 302
    for address in ("2001:db8:1:2:ffff::9", "2001:db8:1:2:a:b:c:d"):
        assert client.post(comment_url, valid_data, REMOTE_ADDR=address).status_code == 429
    assert client.post(comment_url, valid_data, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", ""),
    ],
)
def test_the_client_key_is_an_ipv4_address_or_an_ipv6_64(address, key):
    assert client_key(address) == key


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


def test_the_window_slides_so_a_burst_across_a_window_edge_is_counted_whole():
    """A fixed window let 10 through in 1.5 s at 5 a minute: 5 at the end of one minute and 5
    at the start of the next."""
    rate = ratelimit.Rate(limit=5, period=60)
    minute = 1_000_020.0  # a minute boundary (1,000,020 = 60 * 16,667)
    allowed = 0
    for n in range(10):
        now = minute - 0.75 + n * 0.15
        verdict = ratelimit.check("test", "198.51.100.7", rate, now=now)
        if verdict.allowed:
            ratelimit.charge("test", "198.51.100.7", rate, now=now)
            allowed += 1
    assert allowed == 5
    refused = ratelimit.check("test", "198.51.100.7", rate, now=minute + 1)
    assert not refused.allowed
    # Room for one more once the previous minute's hits have faded enough.
    later = minute + refused.retry_after + 1
    assert ratelimit.check("test", "198.51.100.7", rate, now=later).allowed


def test_checking_counts_nothing_and_charging_counts_one():
    rate = ratelimit.Rate(limit=2, period=60)
    for _ in range(5):
        assert ratelimit.check("test", "198.51.100.7", rate, now=1_000_000.0).allowed
    ratelimit.charge("test", "198.51.100.7", rate, now=1_000_000.0)
    ratelimit.charge("test", "198.51.100.7", rate, now=1_000_001.0)
    verdict = ratelimit.check("test", "198.51.100.7", rate, now=1_000_002.0)
    assert (verdict.allowed, verdict.count) == (False, 2)
    # 1,000,002 is 42 s into its minute: 18 s to its end, then 30 s for its 2 hits to weigh 1.
    assert verdict.retry_after == 48


def test_a_failing_cache_asks_the_fallback_and_warns_once_a_minute(monkeypatch, caplog):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("Redis is down")

            return fail

    monkeypatch.setattr(ratelimit, "cache", Down())
    monkeypatch.setattr(outages, "_last", {})
    rate = ratelimit.Rate(limit=3, period=3600)
    asked = []

    def stored(since):
        asked.append(since)
        return 3

    verdict = ratelimit.check("test", "198.51.100.7", rate, now=10_000.0, fallback=stored)
    assert (verdict.allowed, verdict.count) == (False, 3)
    assert asked == [10_000.0 - 3600]
    assert ratelimit.check("test", "198.51.100.7", rate, now=10_000.0).allowed
    ratelimit.charge("test", "198.51.100.7", rate, now=10_000.0)
    warnings = [r for r in caplog.records if "Shared cache unavailable" in r.getMessage()]
    assert len(warnings) == 1
