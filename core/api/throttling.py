"""The API's throttles, on the project's one rate grammar (``core.rates``): anonymous
requests per client address, requests with an API key per key."""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from core.clients import client_ip, client_key, hash_ip
from core.ratelimit import Verdict, cache_failed, charge, check
from core.rates import parse_rate

READING = ("GET", "HEAD", "OPTIONS")


def counting_key(request: Request) -> Any:
    """The key a request is counted by: its key (``request.auth``), unless it reads with a key
    that lacks the ``read`` scope, which reads as an anonymous client does (by address, at the
    anonymous rate): a key never reads less than no key, nor more than its scopes give."""
    key = request.auth
    if key is None:
        return None
    if request.method in READING and "read" not in getattr(key, "scopes", ()):
        return None
    return key


class ApiRateThrottle(SimpleRateThrottle):
    """Per client address, counted in the default cache (Redis in production, so every web
    process shares the count). The rate is ``settings.API_THROTTLE_RATE``, read per request,
    in the grammar the settings check (``10/h``; ``0`` disables it). The cache key holds a
    salted hash of the address (of its /64 for IPv6), never the address.

    The cache is an accelerator of the API, not a dependency: when it fails, the request is let
    through and a warning logged at most once a minute."""

    scope = "api"
    # Set from parse_rate() by SimpleRateThrottle.__init__; its stubs do not declare it.
    num_requests: int | None

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        """``(requests, seconds)`` by ``core.rates``, not DRF's own looser parser, so that a
        rate means here what the settings accepted; ``(None, None)`` for no limit."""
        parsed = parse_rate(rate or "")
        return (None, None) if parsed is None else (parsed.limit, parsed.period)

    def allow_request(self, request: Request, view: APIView) -> bool:
        # DRF knows only a missing rate as "no limit"; "0" parses to no limit too. A request
        # with a key is counted by its key (KeyedRateThrottle), not its address.
        if self.num_requests is None or counting_key(request) is not None:
            return True
        try:
            return super().allow_request(request, view)
        except Exception as error:  # each cache backend raises errors of its own
            cache_failed("API throttle", error)
            return True

    def get_cache_key(self, request: Request, view: APIView) -> str:
        ident = hash_ip(client_key(client_ip(request)))[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class KeyedRateThrottle(BaseThrottle):
    """Per API key (``request.auth``, any object with a ``pk``), on ``core.ratelimit``'s
    sliding window: reads at ``settings.API_KEY_READ_RATE``, anything else at
    ``settings.API_KEY_COMMENT_RATE``. Requests without a key are left to ``ApiRateThrottle``.

    The verdict stays on the request (``rate_limit_verdict``), so that every keyed response
    can say where the key stands (``rate_limit_headers``)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        key = counting_key(request)
        if key is None:
            return True
        reading = request.method in READING
        scope = "api-key-read" if reading else "api-key-write"
        rate = parse_rate(settings.API_KEY_READ_RATE if reading else settings.API_KEY_COMMENT_RATE)
        verdict = check(scope, str(key.pk), rate)
        request._request.rate_limit_verdict = verdict  # type: ignore[attr-defined]
        if verdict.allowed:
            charge(scope, str(key.pk), rate)
        self.verdict = verdict
        return verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.retry_after


def rate_limit_headers(request: HttpRequest, now: float | None = None) -> dict[str, str]:
    """``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` for a request its key's throttle
    counted (none for others, nor when the key's rate is unlimited); a refused one adds
    ``X-RateLimit-Reset`` (Unix time at which the next request is allowed) and
    ``Retry-After``."""
    verdict: Verdict | None = getattr(request, "rate_limit_verdict", None)
    if verdict is None or not verdict.limit:
        return {}
    used = verdict.count + (1 if verdict.allowed else 0)
    headers = {
        "X-RateLimit-Limit": str(verdict.limit),
        "X-RateLimit-Remaining": str(max(0, verdict.limit - used)),
    }
    if not verdict.allowed:
        now = time.time() if now is None else now
        headers["X-RateLimit-Reset"] = str(math.ceil(now + verdict.retry_after))
        headers["Retry-After"] = str(verdict.retry_after)
    return headers
