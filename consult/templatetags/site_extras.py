"""Small template helpers for the public pages."""

from __future__ import annotations

import datetime as dt

from django import template

from core import durations
from core.languages import LANGUAGE_PARAMETER

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """``{{ counts|get_item:value }}``: a dict entry by a key held in a variable."""
    return mapping.get(key, 0) if mapping else 0


@register.filter
def time_left_until(moment: dt.datetime, now: dt.datetime) -> str:
    """``{{ closes_at|time_left_until:now }}``: "29 days", "2 天 5 小时" (``core.durations``)."""
    return durations.time_left(moment - now)


@register.simple_tag(takes_context=True)
def path_without_language(context) -> str:
    """This page's path and query less ``?lang=``: where the language switcher returns to, so
    that the language chosen there is not overridden by the parameter."""
    request = context.get("request")
    if request is None:
        return "/"
    query = request.GET.copy()
    query.pop(LANGUAGE_PARAMETER, None)
    return request.path + (f"?{query.urlencode()}" if query else "")
