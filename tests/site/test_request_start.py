"""The moment a comment is taken: when the first trusted proxy stamped the request, not when a
busy worker got to it; the server's clock when no trusted proxy did, or the stamp is not
believable."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory

from consult.models import Comment
from core.clients import request_started_at

pytestmark = pytest.mark.django_db


def stamp(moment: dt.datetime) -> str:
    return f"t={round(moment.timestamp() * 1_000_000)}"


@pytest.fixture
def just_after_closing(window):
    """00:00:01 the day after the last day of the window (which closes at 23:59:59)."""
    with time_machine.travel(window[1] + dt.timedelta(seconds=2), tick=False):
        yield window[1] + dt.timedelta(seconds=2)


def test_a_comment_sent_before_closing_and_handled_after_is_taken(
    client, consultation, comment_url, valid_data, window, just_after_closing, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    sent = window[1] + dt.timedelta(seconds=0.9)  # 23:59:59.9
    response = client.post(comment_url, valid_data, HTTP_X_REQUEST_START=stamp(sent))
    assert response.status_code == 302
    assert Comment.objects.get().submitted_at == sent


def test_a_request_start_without_a_trusted_proxy_is_ignored(
    client, consultation, comment_url, valid_data, window, just_after_closing, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    forged = stamp(window[1] - dt.timedelta(seconds=10))
    response = client.post(comment_url, valid_data, HTTP_X_REQUEST_START=forged)
    assert response.status_code == 403
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "believed"),
    [
        ("t={micros}", True),
        ("t={msec}", True),  # nginx's $msec: seconds with milliseconds
        ("t={msec}0", False),
        ("t={future}", False),  # a proxy's clock ahead, or a forgery
        ("t={stale}", False),  # older than REQUEST_START_MAX_AGE
        ("t=1.5", False),
        ("{micros}", False),
        ("t=99999999999999999", False),  # beyond any date
        ("", False),
    ],
)
def test_only_a_believable_stamp_is_the_start(settings, header, believed):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REQUEST_START_MAX_AGE = 300
    now = dt.datetime(2026, 7, 17, 16, 0, 1, tzinfo=dt.UTC)
    sent = now - dt.timedelta(seconds=2)
    value = header.format(
        micros=round(sent.timestamp() * 1_000_000),
        msec=f"{sent.timestamp():.3f}",
        future=round((now + dt.timedelta(seconds=5)).timestamp() * 1_000_000),
        stale=round((now - dt.timedelta(seconds=301)).timestamp() * 1_000_000),
    )
    request = RequestFactory().post("/", HTTP_X_REQUEST_START=value)
    with time_machine.travel(now, tick=False):
        assert request_started_at(request) == (sent if believed else now)
