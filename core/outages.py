"""Warnings about a service that is down, at most once a minute per subject in a process: an
outage must be seen in the log, not flood it with a line per request or per retry."""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

INTERVAL = 60.0

_last: dict[str, float] = {}
_lock = threading.Lock()


def warn_at_most_once_a_minute(
    logger: logging.Logger, subject: str, message: str, *args: Any
) -> bool:
    """Log ``message % args`` as a warning unless one about ``subject`` was logged in this
    process less than a minute ago; whether it was logged."""
    now = time.monotonic()
    with _lock:
        if now - _last.get(subject, -math.inf) < INTERVAL:
            return False
        _last[subject] = now
    logger.warning(message, *args)
    return True
