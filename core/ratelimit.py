"""A per-client rate limit over Django's cache, with a sliding window.

The counts live in the default cache, so every process behind a load balancer shares them when
``REDIS_URL`` is set (local memory otherwise). A client is counted by ``client_key``: an IPv6
client by its /64.

The window slides: the estimate is this fixed window's count plus the previous window's count
weighted by the share of the previous window that still lies within one period of now (the
"sliding window counter"). A burst across a window's edge is then counted whole, which a fixed
window forgot at the edge, and it costs two keys per client and plain ``get_many``/``add``/
``incr``, atomic on Redis, where a token bucket needs a read-modify-write that the cache API
cannot make atomic without a script.

Checking and charging are separate, so that a caller charges only what it decided to count
(a stored comment, not a form the person then corrects). Two requests checked at the same
moment may both pass before either is charged: the limit is a brake on floods, not an exact
quota.

The cache is an accelerator, not a dependency: when it fails, ``check`` asks the caller's
``fallback`` (a count from the database) or lets the request through, and logs a warning at
most once a minute per process.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.clients import client_key, hash_ip
from core.outages import warn_at_most_once_a_minute
from core.rates import Rate, parse_rate

__all__ = [
    "Rate",
    "Verdict",
    "cache_failed",
    "charge",
    "check",
    "comment_rate",
    "parse_rate",
]

logger = logging.getLogger(__name__)

# How many of a client's hits in the last period, counted elsewhere, from a Unix time on.
Fallback = Callable[[float], int]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int  # hits counted in the last period, this one not included
    limit: int
    retry_after: int  # seconds until one more hit would be allowed


ALLOWED = Verdict(allowed=True, count=0, limit=0, retry_after=0)


def cache_failed(what: str, error: Exception) -> None:
    """Log that the shared cache failed ``what``, at most once a minute in this process: an
    outage must be seen, not flood the log with a line per request."""
    warn_at_most_once_a_minute(
        logger,
        f"cache: {what}",
        "Shared cache unavailable (%s): %s: %s",
        what,
        type(error).__name__,
        error,
    )


def _keys(scope: str, ident: str, rate: Rate, now: float) -> tuple[str, str, float]:
    """The keys of the current and the previous window, and how far into the current window
    ``now`` lies (0 to 1)."""
    window, into = divmod(now, rate.period)
    digest = hash_ip(client_key(ident))[:32]
    prefix = f"ratelimit:{scope}:{digest}:{rate.period}"
    return f"{prefix}:{int(window)}", f"{prefix}:{int(window) - 1}", into / rate.period


def check(
    scope: str,
    ident: str,
    rate: Rate | None,
    *,
    now: float | None = None,
    fallback: Fallback | None = None,
) -> Verdict:
    """Whether one more hit by ``ident`` in ``scope`` stays within ``rate`` over the last
    period. Counts nothing (``charge`` does). With no rate, everything is allowed.

    When the cache fails, ``fallback(since)`` counts the client's hits from ``since`` on (one
    period ago) instead; with no fallback the hit is allowed.
    """
    if rate is None:
        return ALLOWED
    now = time.time() if now is None else now
    current, previous, elapsed = _keys(scope, ident, rate, now)
    try:
        counts = cache.get_many([current, previous])
    except Exception as error:  # each cache backend raises errors of its own
        cache_failed(f"rate limit {scope}", error)
        if fallback is None:
            return ALLOWED
        count = fallback(now - rate.period)
        return Verdict(
            allowed=count < rate.limit, count=count, limit=rate.limit, retry_after=rate.period
        )
    in_current = int(counts.get(current, 0))
    in_previous = int(counts.get(previous, 0))
    estimate = in_current + in_previous * (1 - elapsed)
    allowed = estimate + 1 <= rate.limit
    return Verdict(
        allowed=allowed,
        count=math.floor(estimate),
        limit=rate.limit,
        retry_after=0 if allowed else _retry_after(rate, elapsed, in_current, in_previous),
    )


def _retry_after(rate: Rate, elapsed: float, in_current: int, in_previous: int) -> int:
    """Seconds until the estimate leaves room for one more hit: the previous window's weight
    falls as time passes, and at the next window the current count becomes the previous."""
    room = rate.limit - 1 - in_current
    if in_previous and room >= 0:
        # in_previous * (1 - t) <= room once t >= 1 - room / in_previous.
        wait = (1 - room / in_previous - elapsed) * rate.period
    else:
        # Not before the current window ends; then its count fades as the previous one.
        room = rate.limit - 1
        wait = (1 - elapsed) * rate.period + max(0.0, 1 - room / max(in_current, 1)) * rate.period
    return max(1, math.ceil(wait))


def charge(scope: str, ident: str, rate: Rate | None, *, now: float | None = None) -> None:
    """Count one hit by ``ident`` in ``scope``. A cache failure is logged and the hit is not
    counted (the fallback counts what the database holds)."""
    if rate is None:
        return
    now = time.time() if now is None else now
    current, _previous, _elapsed = _keys(scope, ident, rate, now)
    # The key lives through its window and the next, where it is the previous window's count.
    timeout = 2 * rate.period + 5
    try:
        # add() creates the counter only if missing and incr() is atomic on Redis, so two
        # processes counting at once never lose a hit.
        cache.add(current, 0, timeout=timeout)
        try:
            cache.incr(current)
        except ValueError:
            # The key expired between add() and incr(): this hit opens a fresh count.
            cache.add(current, 1, timeout=timeout)
    except Exception as error:  # each cache backend raises errors of its own
        cache_failed(f"rate limit {scope}", error)


def comment_rate() -> Rate | None:
    return parse_rate(settings.COMMENT_RATE_LIMIT)
