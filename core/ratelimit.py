"""A per-client rate limit over Django's cache, with a fixed window.

The counter lives in the default cache, so every process behind a load balancer shares it when
``REDIS_URL`` is set (local memory otherwise). ``cache.add`` creates the window's counter only if
it is missing and ``cache.incr`` is atomic on Redis, so two processes counting at once never lose
a hit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.clients import hash_ip
from core.rates import Rate, parse_rate

__all__ = ["Rate", "Verdict", "comment_rate", "hit", "parse_rate"]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


def hit(scope: str, ident: str, rate: Rate | None, *, now: float | None = None) -> Verdict:
    """Count one request by ``ident`` in ``scope``; ``allowed`` is False once the limit for the
    current window is exceeded. With no rate, everything is allowed and nothing is counted."""
    if rate is None:
        return Verdict(allowed=True, count=0, limit=0, retry_after=0)
    now = time.time() if now is None else now
    window = int(now // rate.period)
    digest = hash_ip(ident)[:32]
    key = f"ratelimit:{scope}:{digest}:{window}"
    # A little longer than the window, so that the key outlives its window on every backend.
    cache.add(key, 0, timeout=rate.period + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add() and incr(): this request opens a fresh count.
        cache.add(key, 1, timeout=rate.period + 5)
        count = 1
    retry_after = max(1, int((window + 1) * rate.period - now))
    return Verdict(
        allowed=count <= rate.limit, count=count, limit=rate.limit, retry_after=retry_after
    )


def comment_rate() -> Rate | None:
    return parse_rate(settings.COMMENT_RATE_LIMIT)
