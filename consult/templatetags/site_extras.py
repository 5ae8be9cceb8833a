"""Small template helpers for the public pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """``{{ counts|get_item:value }}``: a dict entry by a key held in a variable."""
    return mapping.get(key, 0) if mapping else 0
