"""The one grammar of rates, shared by the settings that read them and the limiters that apply
them: ``"10/h"`` is ten per hour; ``"0"`` disables the limit."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
RATE_PATTERN = re.compile(r"\A(0|[0-9]+/(s|sec|m|min|h|hour|d|day))\Z")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


def parse_rate(value: str) -> Rate | None:
    """``"10/h"`` -> Rate(10, 3600); ``"0"``, ``"0/h"`` or an empty value -> None, no limit.

    Raises ValueError, naming the expected form, for anything else.
    """
    value = (value or "").strip()
    if value == "":
        return None
    if not RATE_PATTERN.match(value):
        raise ValueError(
            f"must look like '10/h' (per s, m, h or d) or be 0 to disable, got {value!r}"
        )
    count, _, unit = value.partition("/")
    limit = int(count)
    if limit == 0:
        return None
    return Rate(limit=limit, period=PERIODS[unit])
