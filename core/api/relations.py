"""Record URLs in API responses."""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse
from rest_framework import serializers
from rest_framework.request import Request

# A lookup value made of these characters appears in a reversed path as it is.
URL_SAFE_LOOKUP = re.compile(r"[-a-zA-Z0-9_]+")
# Matches both ID_REGEX and SLUG_REGEX of ``core.api.viewsets``, so that any detail route
# reverses with it.
URL_PLACEHOLDER = "1234567890"


class AbsoluteUrlField(serializers.HyperlinkedIdentityField):
    """The record's absolute API URL, without the query parameters (``format``) of the request
    that produced it."""

    _url_around: tuple[Request | None, str, str] | None = None

    def get_url(
        self, obj: models.Model, view_name: str, request: Request | None, format: str | None
    ) -> str | None:
        lookup_value = getattr(obj, self.lookup_field)
        if lookup_value in (None, ""):
            return None
        value = str(lookup_value)
        if not URL_SAFE_LOOKUP.fullmatch(value):
            path = reverse(view_name, kwargs={self.lookup_url_kwarg: lookup_value})
            return request.build_absolute_uri(path) if request is not None else path
        # reverse() and build_absolute_uri() per row were half the time of a 100-row page.
        # Both are done once per field and request; a value of these characters needs no
        # quoting, so filling it in gives what reverse() would.
        before, after = self._url_around_lookup(view_name, request)
        return f"{before}{value}{after}"

    def _url_around_lookup(self, view_name: str, request: Request | None) -> tuple[str, str]:
        """The absolute URL of ``view_name``'s detail route before and after its lookup."""
        if self._url_around is None or self._url_around[0] is not request:
            path = reverse(view_name, kwargs={self.lookup_url_kwarg: URL_PLACEHOLDER})
            before, found, after = path.rpartition(URL_PLACEHOLDER)
            if not found:
                raise ImproperlyConfigured(f"{view_name} does not put its lookup in the path")
            if request is not None:
                before = request.build_absolute_uri(before)
            self._url_around = (request, before, after)
        return self._url_around[1], self._url_around[2]
