"""OpenAPI pieces every list and detail action shares: the ``format`` parameter, the HTTP
validator headers, the error bodies, and ``extend_schema`` for list and detail actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

# What extend_schema decorates: a view, viewset or one of their methods.
_View = TypeVar("_View", bound=Callable[..., Any])

ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the record."
)
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
VALIDATOR_HEADERS = [
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
        "Content-Language",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description="Language of the labels: zh-hans or en.",
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
LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["zh-hans", "en"],
    description=(
        "Language of the labels held in both languages (names, other names, titles, "
        "authorities): each in this language, or in the other where it has none. Without it, "
        "Accept-Language decides (Simplified Chinese by default); Content-Language says which. "
        "Any other value answers 400."
    ),
)
# Errors are always JSON, whatever format was asked for.
COMMON_RESPONSES = {
    304: OpenApiResponse(description="Not modified since the validators the client sent."),
    (401, "application/json"): OpenApiResponse(
        ERROR_SCHEMA, description="The X-Api-Key sent is not valid or was revoked."
    ),
    (403, "application/json"): OpenApiResponse(
        ERROR_SCHEMA, description="The X-Api-Key sent lacks the read scope."
    ),
    (404, "application/json"): OpenApiResponse(ERROR_SCHEMA, description="No such record or page."),
    (429, "application/json"): OpenApiResponse(
        ERROR_SCHEMA, description="Too many requests; see Retry-After."
    ),
}


def _read_schema(
    serializer: type[serializers.Serializer],
    *,
    description: str,
    parameters: Sequence[OpenApiParameter],
    bad_request: str,
) -> Callable[[_View], _View]:
    return extend_schema(
        description=description,
        parameters=[*parameters, FORMAT_PARAMETER, LANG_PARAMETER, *VALIDATOR_HEADERS],
        responses={
            (200, "application/json"): serializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (400, "application/json"): OpenApiResponse(
                VALIDATION_ERROR_SCHEMA, description=bad_request
            ),
            **COMMON_RESPONSES,
        },
    )


def list_schema(
    serializer: type[serializers.Serializer],
    *,
    description: str,
    parameters: Sequence[OpenApiParameter] = (),
) -> Callable[[_View], _View]:
    """``extend_schema`` for a list action: JSON page or CSV, validators, errors."""
    return _read_schema(
        serializer,
        description=description,
        parameters=parameters,
        bad_request="A filter, page size or format has an invalid value.",
    )


def detail_schema(
    serializer: type[serializers.Serializer],
    *,
    description: str,
    parameters: Sequence[OpenApiParameter] = (),
) -> Callable[[_View], _View]:
    """``extend_schema`` for a detail action: JSON or a one-row CSV, validators, errors."""
    return _read_schema(
        serializer, description=description, parameters=parameters, bad_request="Unknown format."
    )


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, saying that every read may be made without a key: the API's
    reads are public, and a key only raises their rate (drf-spectacular learns that only from
    DRF's own permission classes)."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths
