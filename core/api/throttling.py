"""The API's anonymous throttle, on the project's one rate grammar (``core.rates``)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from core.clients import client_ip, client_key, hash_ip
from core.ratelimit import cache_failed
from core.rates import parse_rate


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
        # DRF knows only a missing rate as "no limit"; "0" parses to no limit too.
        if self.num_requests is None:
            return True
        try:
            return super().allow_request(request, view)
        except Exception as error:  # each cache backend raises errors of its own
            cache_failed("API throttle", error)
            return True

    def get_cache_key(self, request: Request, view: APIView) -> str:
        ident = hash_ip(client_key(client_ip(request)))[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}
