"""The shared cache behind a circuit breaker.

Redis is an accelerator here, never a dependency: every caller already goes on without it
(``core.ratelimit``, ``core.api.throttling``). But a Redis that does not answer costs each call
its full socket timeout, and a comment POST makes several calls. ``BreakerRedisCache`` is
Django's Redis cache that, after a failed call, fails every call at once for
``BREAKER_SECONDS`` (``CACHE_BREAKER_SECONDS``) before it tries Redis again: one request per
period waits for the timeout, the others do not wait at all.

The breaker is per process and server, shared by its threads (Django makes a cache object per
thread): each process's requests wait on its own connections.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache


class CacheSkipped(ConnectionError):
    """Raised instead of calling a cache that failed less than ``BREAKER_SECONDS`` ago."""


# The public methods of Django's cache API that reach the server.
_CALLS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
    "get_or_set",
)


class _Breaker:
    """Open for ``seconds`` after a failure: ``call`` then raises ``CacheSkipped`` at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.open_until = 0.0
        self.lock = threading.Lock()

    def call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self.open_until:
            raise CacheSkipped("the cache failed moments ago; skipped until it may answer")
        try:
            return method(*args, **kwargs)
        except (ValueError, KeyError, TypeError):
            raise  # an answer (incr of a missing key), not a failure of the server
        except Exception:
            with self.lock:
                self.open_until = time.monotonic() + self.seconds
            raise


_breakers: dict[tuple[str, float], _Breaker] = {}
_breakers_lock = threading.Lock()


class BreakerRedisCache(RedisCache):
    """Django's ``RedisCache`` whose calls are skipped for ``BREAKER_SECONDS`` (in the cache's
    settings, default 5; 0 turns the breaker off) after one fails."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        seconds = float(params.get("BREAKER_SECONDS", 5))
        with _breakers_lock:
            self._breaker = _breakers.setdefault((server, seconds), _Breaker(seconds))
        if self._breaker.seconds:
            for name in _CALLS:
                method = getattr(self, name)
                setattr(self, name, functools.partial(self._breaker.call, method))
