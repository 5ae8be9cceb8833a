"""Query-parameter filters that refuse a value they cannot use (400) instead of ignoring it,
and an ordering that pages stably."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, as the schema's boolean is written in a query; anything else
    (``1``, ``yes``, ``True``) is an error, not silently ignored as django-filter's own
    BooleanFilter would, nor taken as a value the schema does not document."""

    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value == "true":
            return True
        if value == "false":
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(filters.Filter):
    """A calendar year (1–9999) of a date field."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "year")
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class SafeIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, passed on in UTC: PostgreSQL refuses offsets beyond ±15:59 that
    Python accepts, and one too close to year 1 or 9999 to convert is an invalid value, not a
    server error."""

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            result = super().to_python(value)
            return None if result is None else result.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class UpdatedSinceFilter(filters.IsoDateTimeFilter):
    """Records changed at or after an ISO 8601 date-time (naive times are in the project's
    time zone)."""

    field_class = SafeIsoDateTimeField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", "Changed at or after this ISO 8601 date-time")
        super().__init__(*args, **kwargs)


class StableOrderingFilter(filters.OrderingFilter):
    """``ordering`` with a final ``pk`` so that pages never overlap or skip rows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "label", "Sort by these fields, comma-separated; a leading - reverses one"
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: models.QuerySet, value: list[str] | None) -> models.QuerySet:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs
