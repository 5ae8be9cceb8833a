"""Plumbing shared by every read-only API viewset (DESIGN §6): page-number pagination, strict
query-parameter filters, streamed CSV, HTTP validators (ETag, Last-Modified, 304), public
caching headers and the anonymous throttle.

Lives in the registry app so that both ``occupations.api`` and ``consult.api`` can use it
without the registry importing the consultation app.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from core.clients import client_ip, hash_ip
from occupations.exports import defuse

# Part of every ETag: bump it whenever a representation changes, so that clients and caches
# holding a body of the old shape fetch the new one.
API_REVISION = "1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Rows fetched per database round trip while a CSV streams; prefetches run once per chunk.
CSV_CHUNK_SIZE = 500
SLUG_REGEX = r"[-a-zA-Z0-9_]+"
ID_REGEX = r"[0-9]+"
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the record."
)


# Pagination ------------------------------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator that may be told how many rows its queryset has, so that it does not
    count them again."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # takes the place of the cached property


class ApiPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50; larger than 500 is served as 500).

    A page size that is not a whole number of at least 1 is refused with a 400 naming
    ``page_size``; a page past the end, or not a number, is a 404.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page) -> CountedPaginator:
        return CountedPaginator(object_list, per_page, count=self.known_count)

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        """``count``, if given, is the number of rows of ``queryset``."""
        self.known_count = count
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Enter a whole number of at least 1.")]}
            )
        return min(value, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the end answers 404.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page, default {DEFAULT_PAGE_SIZE}. Values above "
                    f"{MAX_PAGE_SIZE} are served as {MAX_PAGE_SIZE}; 0, negative or "
                    "non-numeric values answer 400."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


# Strict filters ---------------------------------------------------------------------------


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``); anything else is an error, not
    silently ignored as django-filter's own BooleanFilter would."""

    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in {"true", "1", "yes"}:
            return True
        if text in {"false", "0", "no"}:
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(filters.Filter):
    """A calendar year (1–9999) of a date field."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
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
    """Records changed at or after an ISO 8601 date-time (naive times are Asia/Shanghai)."""

    field_class = SafeIsoDateTimeField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", "Changed at or after this ISO 8601 date-time")
        super().__init__(*args, **kwargs)


class StableOrderingFilter(filters.OrderingFilter):
    """``ordering`` with a final ``pk`` so that pages never overlap or skip rows."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "label", "Sort by these fields, comma-separated; a leading - reverses one"
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: models.QuerySet, value: list[str] | None) -> models.QuerySet:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


# CSV ---------------------------------------------------------------------------------------


class CSVRenderer(BaseRenderer):
    """Makes ``?format=csv`` (and ``Accept: text/csv``) a known format. Lists and details
    stream their own CSV body (``ReadOnlyApiViewSet``); errors are answered in JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data, default=str).encode()


def csv_cell(value: Any, *, depth: int = 0) -> str:
    """A value as one CSV cell: lists on separate lines (lists inside lists joined by "; "),
    booleans as true/false, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        separator = "\n" if depth == 0 else "; "
        return separator.join(csv_cell(item, depth=depth + 1) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_value(record: dict, column: str) -> Any:
    """The value at a dotted column path; a path through a list yields a list."""
    value: Any = record
    for part in column.split("."):
        if isinstance(value, list):
            value = [item.get(part) if isinstance(item, dict) else None for item in value]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def csv_row(record: dict, columns: Iterable[str]) -> list[str]:
    return [defuse(csv_cell(csv_value(record, column))) for column in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], records: Iterable[dict]) -> Iterator[str]:
    """The header row (after a byte-order mark, so spreadsheet programs read UTF-8) and one
    row per record."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(columns)
    for record in records:
        yield writer.writerow(csv_row(record, columns))


# Throttling --------------------------------------------------------------------------------


class ApiRateThrottle(SimpleRateThrottle):
    """Per client address, counted in the default cache (Redis in production, so every web
    process shares the count). The rate is ``settings.API_THROTTLE_RATE``, read per request;
    ``0`` disables it. The cache key holds a salted hash of the address, never the address."""

    scope = "api"

    def get_rate(self) -> str | None:
        rate = (settings.API_THROTTLE_RATE or "").strip()
        return None if rate.partition("/")[0] in {"", "0"} else rate

    def get_cache_key(self, request, view) -> str:
        ident = hash_ip(client_ip(request))[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


# Schema pieces ---------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "One key per refused query parameter, each with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_VALIDATOR_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier response; 304 if the data has not changed.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An HTTP date; 304 if nothing changed since (ignored with If-None-Match).",
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Validator of this exact response (data, query, format and language).",
    ),
    OpenApiParameter(
        "Last-Modified",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Latest change among the records in the response (absent if none).",
    ),
    OpenApiParameter(
        "Cache-Control",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="public, max-age=…",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the next request.",
    ),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["json", "csv"],
    description=(
        "`json` (default) or `csv`. CSV is streamed, takes the same filters, ignores "
        "pagination (the whole filtered set), starts with a header row and a UTF-8 byte-order "
        "mark; nested objects become dotted columns (`batch.slug`), lists one item per line, "
        "lists inside lists joined by `; `; cells that would start a spreadsheet formula "
        "(`=`, `+`, `-`, `@`) are prefixed with `'`. An unknown format answers 400."
    ),
)
# Errors are always JSON, whatever format was asked for.
_COMMON_RESPONSES = {
    304: OpenApiResponse(description="Not modified since the validators the client sent."),
    (404, "application/json"): OpenApiResponse(ERROR_SCHEMA, description="No such record or page."),
    (429, "application/json"): OpenApiResponse(
        ERROR_SCHEMA, description="Too many requests; see Retry-After."
    ),
}


def list_schema(
    serializer: type[serializers.Serializer],
    *,
    description: str,
    parameters: Sequence[OpenApiParameter] = (),
):
    """``extend_schema`` for a list action: JSON page or CSV, validators, errors."""
    return extend_schema(
        description=description,
        parameters=[*parameters, FORMAT_PARAMETER, *_VALIDATOR_HEADERS],
        responses={
            (200, "application/json"): serializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (400, "application/json"): OpenApiResponse(
                VALIDATION_ERROR_SCHEMA,
                description="A filter, page size or format has an invalid value.",
            ),
            **_COMMON_RESPONSES,
        },
    )


def detail_schema(
    serializer: type[serializers.Serializer],
    *,
    description: str,
    parameters: Sequence[OpenApiParameter] = (),
):
    """``extend_schema`` for a detail action: JSON or a one-row CSV, validators, errors."""
    return extend_schema(
        description=description,
        parameters=[*parameters, FORMAT_PARAMETER, *_VALIDATOR_HEADERS],
        responses={
            (200, "application/json"): serializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (400, "application/json"): OpenApiResponse(
                VALIDATION_ERROR_SCHEMA, description="Unknown format."
            ),
            **_COMMON_RESPONSES,
        },
    )


# Validators ------------------------------------------------------------------------------


# SQL of whole_table() subqueries by model, aggregate and database vendor: compiling them
# took as long as the rest of a 304.
_WHOLE_TABLE_SQL: dict[tuple[str, str, str], tuple[str, tuple, models.Field]] = {}


def whole_table(model: type[models.Model], aggregate: models.Aggregate) -> models.Expression:
    """``aggregate`` over every row of ``model``'s table, as a value for another query's
    ``aggregate()``: an uncorrelated subquery, which the database computes once, so that one
    round trip answers for several tables. Its SQL is compiled once per process."""
    key = (model._meta.label, repr(aggregate), connection.vendor)
    if key not in _WHOLE_TABLE_SQL:
        queryset = (
            model._default_manager.order_by()
            # Grouping by a constant leaves no GROUP BY: one row, even for an empty table.
            .annotate(whole_table=models.Value(1))
            .values("whole_table")
            .annotate(value=aggregate)
            .values("value")
        )
        sql, params = queryset.query.sql_with_params()
        output_field = queryset.query.annotations["value"].output_field
        _WHOLE_TABLE_SQL[key] = (sql, tuple(params), output_field)
    sql, params, output_field = _WHOLE_TABLE_SQL[key]
    # aggregate() takes aggregates only; the maximum of one value is that value.
    return models.Max(RawSQL(sql, params, output_field=output_field))


# Fields ----------------------------------------------------------------------------------


# A lookup value made of these characters appears in a reversed path as it is.
URL_SAFE_LOOKUP = re.compile(r"[-a-zA-Z0-9_]+")
# Matches both ID_REGEX and SLUG_REGEX, so that any detail route reverses with it.
URL_PLACEHOLDER = "1234567890"


class AbsoluteUrlField(serializers.HyperlinkedIdentityField):
    """The record's absolute API URL, without the query parameters (``format``) of the request
    that produced it."""

    _url_around: tuple[Any, str, str] | None = None

    def get_url(self, obj, view_name, request, format):
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
        if self._url_around is None or self._url_around[0] is not request:
            path = reverse(view_name, kwargs={self.lookup_url_kwarg: URL_PLACEHOLDER})
            before, found, after = path.rpartition(URL_PLACEHOLDER)
            if not found:
                raise ImproperlyConfigured(f"{view_name} does not put its lookup in the path")
            if request is not None:
                before = request.build_absolute_uri(before)
            self._url_around = (request, before, after)
        _request, before, after = self._url_around
        return f"{before}{value}{after}"


# Views -----------------------------------------------------------------------------------


class ReadOnlyApiViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of public records, with CSV, validators and caching headers.

    Subclasses give ``get_queryset()`` (public rows only, filterable, without output
    annotations), ``decorate()`` (the select/prefetch/annotations the serializer needs),
    ``freshness()`` (aggregates that change whenever the response would) and
    ``csv_columns``.
    """

    pagination_class = ApiPagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    throttle_classes = [ApiRateThrottle]
    cache_max_age = 300
    csv_columns: list[str] = []
    csv_name = "export"

    # Hooks --------------------------------------------------------------------------------

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        """One aggregate query. ``count`` is the number of rows of ``queryset`` (the list's
        paginator takes it as its count); ``last_modified`` (a datetime or None) is the
        latest change."""
        return queryset.order_by().aggregate(
            count=models.Count("pk"), last_modified=models.Max("updated_at")
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": self.now}

    @property
    def now(self) -> dt.datetime:
        if not hasattr(self, "_now"):
            self._now = timezone.now()
        return self._now

    # Actions ------------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        validators = self.validators(queryset)
        not_modified = self.not_modified(validators)
        if not_modified is not None:
            return not_modified
        queryset = self.decorate(queryset)
        if not queryset.ordered:
            # An aggregate annotation drops Meta.ordering; pages need a stable order.
            queryset = queryset.order_by(*(queryset.model._meta.ordering or ["pk"]))
        if self.wants_csv():
            return self.with_validators(
                self.csv_response(queryset.iterator(CSV_CHUNK_SIZE)), validators
            )
        # The validators have counted these rows already.
        count = validators["count"] if validators else None
        page = self.paginator.paginate_queryset(queryset, self.request, view=self, count=count)
        serializer = self.get_serializer(page, many=True)
        return self.with_validators(self.get_paginated_response(serializer.data), validators)

    def retrieve(self, request, *args, **kwargs):
        queryset = self.lookup_queryset()
        validators = self.validators(queryset)
        if validators and not validators["count"]:
            raise NotFound()
        not_modified = self.not_modified(validators)
        if not_modified is not None:
            return not_modified
        instance = self.decorate(queryset).first()
        if instance is None:
            raise NotFound()
        self.check_object_permissions(request, instance)
        if self.wants_csv():
            return self.with_validators(self.csv_response([instance]), validators)
        serializer = self.get_serializer(instance)
        return self.with_validators(Response(serializer.data), validators)

    def lookup_queryset(self) -> models.QuerySet:
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        try:
            return self.get_queryset().filter(**{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        except (TypeError, ValueError, DjangoValidationError):
            raise NotFound() from None

    # CSV ----------------------------------------------------------------------------------

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "csv"

    def csv_response(self, instances: Iterable[models.Model]) -> StreamingHttpResponse:
        serializer = self.get_serializer()
        represent: Callable[[models.Model], dict] = serializer.to_representation
        records = (represent(instance) for instance in instances)
        response = StreamingHttpResponse(
            csv_lines(self.csv_columns, records), content_type="text/csv; charset=utf-8"
        )
        name = self.csv_name
        if self.action != "list":
            name = "-".join([name, *(str(value) for value in self.kwargs.values())])
        filename = "".join(ch for ch in name if ch.isalnum() or ch in "-_")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response

    # HTTP validators and caching ----------------------------------------------------------

    def uses_validators(self) -> bool:
        """The browsable API is for people at a browser: no validators, no shared caching."""
        return not isinstance(self.request.accepted_renderer, BrowsableAPIRenderer)

    def validators(self, queryset: models.QuerySet) -> dict[str, Any] | None:
        if not self.uses_validators():
            return None
        values = self.freshness(queryset)
        key = [
            API_REVISION,
            self.basename,
            self.action,
            sorted(self.kwargs.items()),
            sorted(self.request.query_params.lists()),
            self.request.accepted_media_type,
            get_language(),
            sorted(values.items()),
        ]
        digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:40]
        last = max((v for v in values.values() if isinstance(v, dt.datetime)), default=None)
        return {"count": values.get("count"), "etag": f'"{digest}"', "last_modified": last}

    def not_modified(self, validators: dict[str, Any] | None) -> HttpResponseBase | None:
        if validators is None:
            return None
        last = validators["last_modified"]
        response = get_conditional_response(
            self.request._request,
            etag=validators["etag"],
            last_modified=int(last.timestamp()) if last else None,
        )
        # Only 304 is answered here; If-Match and If-Unmodified-Since do not apply to reads.
        if response is None or response.status_code != 304:
            return None
        return self.with_validators(response, validators)

    def with_validators(self, response: HttpResponseBase, validators: dict[str, Any] | None):
        if validators is None:
            patch_cache_control(response, private=True, no_cache=True)
            return response
        response["ETag"] = validators["etag"]
        if validators["last_modified"] is not None:
            response["Last-Modified"] = http_date(validators["last_modified"].timestamp())
        patch_cache_control(response, public=True, max_age=self.cache_max_age)
        patch_vary_headers(response, ["Accept", "Accept-Language"])
        return response

    # Errors -------------------------------------------------------------------------------

    def perform_content_negotiation(self, request, force: bool = False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is a bad parameter value.
            raise ValidationError({"format": [_("Unknown format; use json or csv.")]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and isinstance(getattr(response, "accepted_renderer", None), CSVRenderer)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
