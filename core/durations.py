"""Time left, said the way people say it: "29 days", "2 days and 5 hours", "40 minutes";
in Chinese "29 天", "2 天 5 小时", "40 分钟" (``django.utils.timesince`` gives "4 weeks, 1
day", which in Chinese reads "4 周，1 日", a phrase nobody uses for a deadline)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, ngettext, pgettext


def time_left(delta: dt.timedelta) -> str:
    """Whole days from a week on; days and hours below that; hours and minutes below a
    day; minutes below an hour; "less than a minute" at the end. Never weeks or months, so
    that a window's last days can be counted down in the same unit. Rounded down, since
    overstating time left to a deadline is the error to avoid."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 7 or (days and not hours):
        return _days(days)
    if days:
        return pgettext("days and hours", "%(days)s and %(hours)s") % {
            "days": _days(days),
            "hours": _hours(hours),
        }
    if hours:
        if not minutes:
            return _hours(hours)
        return pgettext("hours and minutes", "%(hours)s and %(minutes)s") % {
            "hours": _hours(hours),
            "minutes": _minutes(minutes),
        }
    if minutes:
        return _minutes(minutes)
    return gettext("less than a minute")


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _hours(n: int) -> str:
    return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}


def _minutes(n: int) -> str:
    return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
