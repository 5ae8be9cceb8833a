"""The API throttle reads its rate in the project's one rate grammar (``core.rates``)."""

import pytest
from rest_framework.request import Request

from core.api.throttling import ApiRateThrottle


def throttle(settings, rate: str) -> ApiRateThrottle:
    settings.API_THROTTLE_RATE = rate
    return ApiRateThrottle()


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("10/h", (10, 3600)), ("10/hour", (10, 3600)), ("3/min", (3, 60)), ("5/sec", (5, 1))],
)
def test_the_rate_means_what_the_settings_accepted(settings, rate, expected):
    limiter = throttle(settings, rate)
    assert (limiter.num_requests, limiter.duration) == expected


@pytest.mark.parametrize("rate", ["10/hours", "10 per hour", "ten/h"])
def test_a_rate_outside_the_grammar_is_refused(settings, rate):
    """DRF's own parser would read ``10/hours`` as ten per hour."""
    with pytest.raises(ValueError, match="10/h"):
        throttle(settings, rate)


@pytest.mark.parametrize("rate", ["0", "0/h", ""])
def test_a_rate_of_zero_lets_every_request_through(settings, rf, rate):
    limiter = throttle(settings, rate)
    assert all(limiter.allow_request(rf.get("/api/v1/"), None) for _ in range(5))


def test_requests_past_the_rate_are_refused_per_client(settings, rf):
    limiter = throttle(settings, "2/min")
    # As DRF hands them to a throttle: wrapped, and without a key (no authenticator ran).
    first = Request(rf.get("/api/v1/", REMOTE_ADDR="198.51.100.1"))
    other = Request(rf.get("/api/v1/", REMOTE_ADDR="198.51.100.2"))

    allowed = [limiter.allow_request(first, None) for _ in range(3)]

    assert allowed == [True, True, False]
    assert 0 < limiter.wait() <= 60
    assert limiter.allow_request(other, None)
