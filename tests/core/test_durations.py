"""Time left to a deadline, in words people use, in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from core.durations import time_left

D, H, M = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("delta", "english", "chinese"),
    [
        (29 * D + 3 * H, "29 days", "29 天"),
        (7 * D, "7 days", "7 天"),
        (4 * D + 1 * H + 59 * M, "4 days and 1 hour", "4 天 1 小时"),
        (2 * D, "2 days", "2 天"),
        (1 * D + 5 * H, "1 day and 5 hours", "1 天 5 小时"),
        (5 * H + 20 * M + 59 * dt.timedelta(seconds=1), "5 hours and 20 minutes", "5 小时 20 分钟"),
        (3 * H, "3 hours", "3 小时"),
        (40 * M, "40 minutes", "40 分钟"),
        (1 * M, "1 minute", "1 分钟"),
        (dt.timedelta(seconds=59), "less than a minute", "不到 1 分钟"),
        (-H, "less than a minute", "不到 1 分钟"),
    ],
)
def test_time_left_reads_naturally(delta, english, chinese):
    with translation.override("en"):
        assert time_left(delta) == english
    with translation.override("zh-hans"):
        assert time_left(delta) == chinese


def test_no_weeks_and_no_list_commas_in_chinese():
    with translation.override("zh-hans"):
        text = time_left(29 * D)
    assert "周" not in text and "，" not in text
