"""OpenAPI pieces every list and detail action shares: the ``format`` parameter, the HTTP
validator headers, the error bodies, and ``extend_schema`` for list and detail actions; and
``form_serializer``, the schema of a request body that a Django form checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django import forms
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
        description=(
            "The languages the response's text is in: the asked one (its messages and "
            "vocabulary) first, then any other its labels are in (each label's `…_language` "
            "field names its own), e.g. `en, zh-hans`. A CSV names both."
        ),
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
        "lists inside lists joined by `; `; control characters are removed from text, then "
        "cells that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage "
        "return) are prefixed with `'`. An unknown format answers 400."
    ),
)
LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["zh-hans", "en"],
    description=(
        "Language of the labels held in both languages (names, other names, titles, "
        "authorities) and of level names: each in this language, or in the other where it has "
        "none (its `…_language` field says which). Without it, Accept-Language decides "
        "(Simplified Chinese by default). Any other value answers 400."
    ),
)
# Errors are always JSON, whatever format was asked for.
COMMON_RESPONSES = {
    304: OpenApiResponse(description="Not modified since the validators the client sent."),
    (401, "application/json"): OpenApiResponse(
        ERROR_SCHEMA, description="The X-Api-Key sent is not valid or was revoked."
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


def form_serializer(
    form_class: type[forms.Form],
    *,
    name: str,
    doc: str,
    extra_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    exclude: Sequence[str] = (),
) -> type[serializers.Serializer]:
    """A serializer class called ``name`` (its docstring ``doc``) that describes, for the
    schema only, a request body checked by ``form_class``: one field per form field, in the
    form's order, with its type, length, bounds and choices, and whether it may be left out,
    blank or null. ``extra_kwargs`` adds keyword arguments by field name, for what only the
    documentation says (``help_text``; ``allow_null=False`` where null, which the form takes
    as empty, is not worth documenting); ``exclude`` names form fields a body of this kind
    cannot carry (files in JSON). The form still checks every request."""
    extra_kwargs = extra_kwargs or {}
    fields = {
        field_name: _serializer_field(field, extra_kwargs.get(field_name, {}))
        for field_name, field in form_class.base_fields.items()
        if field_name not in exclude
    }
    return type(name, (serializers.Serializer,), {"__doc__": doc, **fields})


def _serializer_field(field: forms.Field, extra: Mapping[str, Any]) -> serializers.Field:
    serializer_class, kwargs = _description(field)
    return serializer_class(**{**kwargs, **extra})


def _description(field: forms.Field) -> tuple[type[serializers.Field], dict[str, Any]]:
    """The serializer field class that describes the form ``field``, and its arguments."""
    optional = not field.required
    required = {"required": field.required}
    if isinstance(field, forms.BooleanField):
        # A box left unchecked is not sent: false.
        return serializers.BooleanField, {**required, "default": False} if optional else required
    if isinstance(field, forms.IntegerField):
        bounds = {"min_value": field.min_value, "max_value": field.max_value}
        return serializers.IntegerField, {**required, **bounds, "allow_null": optional}
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField, {**required, "choices": field.choices}
    if isinstance(field, forms.CharField):
        length = {"max_length": field.max_length, "allow_blank": optional}
        if isinstance(field, forms.EmailField):
            return serializers.EmailField, {**required, **length}
        return serializers.CharField, {**required, **length}
    if isinstance(field, forms.FileField) and field.widget.allow_multiple_selected:
        # Several files in one input: a list, of at most the field's ``max_files`` if it says.
        files = {"child": serializers.FileField(), "max_length": getattr(field, "max_files", None)}
        return serializers.ListField, {**required, **files}
    if isinstance(field, forms.FileField):
        return serializers.FileField, required
    raise TypeError(f"No serializer field describes a {type(field).__name__}.")
