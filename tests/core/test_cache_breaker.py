"""After one failed call, the shared cache is skipped for ``CACHE_BREAKER_SECONDS``: a Redis
that accepts and never answers costs one call its time-out, not every call."""

from __future__ import annotations

import time

import pytest

from core.cache import BreakerRedisCache, CacheSkipped
from tests.site.test_cache_outage import black_hole  # noqa: F401 (a fixture)

TIMEOUT = 0.3


def _cache(port: int, breaker_seconds: float) -> BreakerRedisCache:
    return BreakerRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT},
            "BREAKER_SECONDS": breaker_seconds,
        },
    )


def _timed_calls(cache: BreakerRedisCache, count: int) -> tuple[float, list[type]]:
    errors = []
    started = time.monotonic()
    for n in range(count):
        try:
            cache.get(f"key-{n}")
        except Exception as exc:
            errors.append(type(exc))
    return time.monotonic() - started, errors


def test_after_a_time_out_the_cache_is_skipped_at_once(black_hole):  # noqa: F811
    elapsed, errors = _timed_calls(_cache(black_hole, breaker_seconds=60), 10)
    assert len(errors) == 10
    assert errors[0] is not CacheSkipped  # the first call waited and failed
    assert errors[1:] == [CacheSkipped] * 9
    # One time-out, not ten.
    assert TIMEOUT <= elapsed < 2 * TIMEOUT


def test_without_the_breaker_every_call_waits(black_hole):  # noqa: F811
    elapsed, errors = _timed_calls(_cache(black_hole, breaker_seconds=0), 3)
    assert errors and CacheSkipped not in errors
    assert elapsed >= 3 * TIMEOUT


def test_the_cache_is_tried_again_after_the_period(black_hole):  # noqa: F811
    from core import cache as module

    cache = _cache(black_hole, breaker_seconds=60)
    with pytest.raises(Exception):  # noqa: B017 (redis's own time-out type)
        cache.get("a")
    with pytest.raises(CacheSkipped):
        cache.get("a")
    # The period has passed: the next call reaches the server (and waits its time-out) again.
    cache._breaker.open_until = time.monotonic()
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        cache.get("a")
    assert raised.type is not CacheSkipped
    assert time.monotonic() - started >= TIMEOUT
    assert module._breakers  # one breaker per server and period, shared by threads
