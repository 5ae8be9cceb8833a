"""The base of every read-only API viewset: list and detail of public records, with CSV,
HTTP validators and caching headers, the throttle, and JSON errors whatever the format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import routers, viewsets
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from core.api import conditional
from core.api.conditional import Validators
from core.api.pagination import ApiPagination
from core.api.renderers import BrowsableRenderer, CSVRenderer, csv_lines
from core.api.throttling import ApiRateThrottle, KeyedRateThrottle, rate_limit_headers
from core.languages import LABEL_LANGUAGES

# Lookup patterns of detail routes (``lookup_value_regex``).
SLUG_REGEX = r"[-a-zA-Z0-9_]+"
ID_REGEX = r"[0-9]+"
# Rows fetched per database round trip while a CSV streams; prefetches run once per chunk.
CSV_CHUNK_SIZE = 500


class ReadOnlyApiViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of public records, with CSV, validators and caching headers.

    Subclasses give ``get_queryset()`` (public rows only, filterable, without output
    annotations), ``decorate()`` (the select/prefetch/annotations the serializer needs),
    ``freshness()`` (aggregates that change whenever the response would) and
    ``csv_columns``.
    """

    pagination_class: type[ApiPagination] = ApiPagination
    renderer_classes = [JSONRenderer, BrowsableRenderer, CSVRenderer]
    throttle_classes = [ApiRateThrottle, KeyedRateThrottle]
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

    def list_summary(
        self, freshness: dict[str, Any] | None, queryset: models.QuerySet
    ) -> dict[str, Any]:
        """What a JSON list says of the whole filtered set besides its count, from the
        ``freshness`` aggregate already made (None without validators: the browsable API),
        keyed as the paginator's ``summary_schema``. None by default."""
        return {}

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": self.now}

    @cached_property
    def now(self) -> dt.datetime:
        """The time of this request, the same for every record of the response."""
        return timezone.now()

    @cached_property
    def paginator(self) -> ApiPagination:
        """The list's paginator, one per request, which takes the validators' count."""
        return self.pagination_class()

    # Actions ------------------------------------------------------------------------------

    # The actions answer a 304 or a streamed CSV too. DRF takes any HttpResponseBase from a
    # handler (APIView.finalize_response asserts no more); its stubs say Response, hence the
    # ignores here and on finalize_response().
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        filtered = queryset = self.filter_queryset(self.get_queryset())
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
        count = validators.count if validators else None
        values = self.freshness_values if validators else None
        self.paginator.summary = self.list_summary(values, filtered)
        page = self.paginator.paginate_queryset(queryset, self.request, view=self, count=count)
        serializer = self.get_serializer(page, many=True)
        return self.with_validators(self.get_paginated_response(serializer.data), validators)

    def retrieve(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        queryset = self.lookup_queryset()
        validators = self.validators(queryset)
        if validators and not validators.count:
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
        return self.csv_records_response(represent(instance) for instance in instances)

    def csv_records_response(self, records: Iterable[dict]) -> StreamingHttpResponse:
        """The CSV download of serialized ``records``."""
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

    def validators(self, queryset: models.QuerySet) -> Validators | None:
        if not self.uses_validators():
            return None
        identity = [
            self.basename,
            self.action,
            sorted(self.kwargs.items()),
            sorted(self.request.query_params.lists()),
            self.request.accepted_media_type,
            get_language(),
        ]
        self.freshness_values = self.freshness(queryset)
        return conditional.validators_for(identity, self.freshness_values)

    def not_modified(self, validators: Validators | None) -> HttpResponseBase | None:
        if validators is None:
            return None
        response = conditional.not_modified(self.request._request, validators)
        return None if response is None else self.with_validators(response, validators)

    def with_validators(
        self, response: HttpResponseBase, validators: Validators | None
    ) -> HttpResponseBase:
        return conditional.with_validators(response, validators, max_age=self.cache_max_age)

    # Errors -------------------------------------------------------------------------------

    def known_query_parameters(self) -> set[str]:
        """The query parameters this action takes, as its schema documents them: ``format``
        and ``lang`` everywhere, the filters and paging on lists. A subclass that documents
        more adds them."""
        known = {"format", "lang"}
        if self.action == "list":
            filterset = getattr(self, "filterset_class", None)
            known |= set(filterset.base_filters) if filterset is not None else set()
            if self.pagination_class is not None:  # a one-document resource has no pages
                known |= {self.paginator.page_query_param, self.paginator.page_size_query_param}
        return known

    def query_problems(self, params: QueryDict) -> Problems:
        """What is wrong with the query, by parameter name: the problems of any API query
        (``query_parameter_problems``), a parameter this action does not take, and paging
        values refused on a list whatever its format (a CSV is not paged, but a page size of
        -1 is as wrong there as anywhere)."""
        problems = query_parameter_problems(params)
        known = self.known_query_parameters()
        for name in params:
            if name and name not in known:
                problems[name] = [
                    str(_("Unknown parameter; this address takes %(names)s."))
                    % {"names": ", ".join(sorted(known))}
                ]
        if self.action == "list":
            if self.pagination_class is not None:
                problems.update(self.paginator.query_problems(params))
            problems.update(empty_filter_problems(getattr(self, "filterset_class", None), params))
        return problems

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        check_key_and_method(self, request)
        problems = self.query_problems(request.query_params)
        if problems:
            raise ValidationError(problems)
        language = request.query_params.get("lang")
        if language is not None:
            # ?lang= outranks Accept-Language for the labels (and the messages) of this answer.
            translation.activate(language.lower())
            request._request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def text_language(self) -> str:
        """The language the response's own text is in (its messages, its vocabulary such as
        level names, and labels held in both languages): the asked one."""
        return label_language()

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is a bad parameter value.
            raise ValidationError({"format": [_("Unknown format; use json or csv.")]}) from None

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
        if response.status_code < 400:
            csv = getattr(getattr(request, "accepted_renderer", None), "format", None) == "csv"
            own = self.text_language()
            response["Content-Language"] = content_language(
                own, getattr(response, "data", None), csv=csv
            )
        else:
            # Errors are messages, in the asked language.
            response["Content-Language"] = label_language()
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and isinstance(getattr(response, "accepted_renderer", None), CSVRenderer)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        for name, value in rate_limit_headers(request._request).items():
            response[name] = value
        # An answer to a key carries that key's counts: no shared cache may keep it, nor
        # serve a keyless answer in its place.
        patch_vary_headers(response, ["X-Api-Key"])
        if known_key(request) is not None:
            patch_cache_control(response, private=True)
        return response


def labels_in(data: Any) -> set[str]:
    """The languages a representation says its labels are in: the values of its
    ``…_language`` and ``language`` fields, at any depth."""
    found: set[str] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "language" or key.endswith("_language"):
                    items = item if isinstance(item, list) else [item]
                    found.update(code for code in items if code in LABEL_LANGUAGES)
                elif isinstance(item, dict | list):
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(item for item in value if isinstance(item, dict | list))
    return found


def content_language(own: str, data: Any, *, csv: bool = False) -> str:
    """``Content-Language`` of a response: the languages its text is in, ``own`` (that of its
    messages and vocabulary) first, then those its labels say they are in. A CSV streams
    before its labels are known, so it names both label languages."""
    languages = [own]
    others = set(LABEL_LANGUAGES) if csv else labels_in(data)
    languages += sorted(others - {own})
    return ", ".join(languages)


def check_key_and_method(view: APIView, request: Request) -> None:
    """What every API request meets first, before its format or its parameters are looked
    at: its key (an invalid or revoked one is a 401), then its method (405 for one the
    address does not take, whatever the query says)."""
    view.perform_authentication(request)
    if request.method not in view.allowed_methods:
        raise MethodNotAllowed(request.method or "")


def known_key(request: Request) -> Any:
    """The request's key if authentication has run and found one; None otherwise. Unlike
    ``request.auth`` it never authenticates, so it may be read where an authentication error
    would no longer be answered (DRF's ``finalize_response``)."""
    return getattr(request, "_auth", None)


# What is wrong with a query, by parameter name (also the 400 body).
Problems = dict[str, list[str]]


def empty_filter_problems(filterset: Any, params: QueryDict) -> dict[str, list[str]]:
    """The filters of ``filterset`` given without a value (``?updated_since=``, ``?state=``,
    ``?ordering=``): an empty value is not a date, a choice or a field name (the schema says
    so), and not "no filter" either, which is leaving the parameter out. Free text without a
    pattern (``q``) may be empty."""
    if filterset is None:
        return {}
    problems: dict[str, list[str]] = {}
    for name, value in params.items():
        found = filterset.base_filters.get(name)
        if found is None or str(value).strip():
            continue
        if found.field_class is forms.CharField and not found.extra.get("validators"):
            continue
        problems[name] = [str(_("Give a value, or leave the parameter out."))]
    return problems


def label_language() -> str:
    """The language labels held in both are given in: the active one, as a label language."""
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def query_parameter_problems(params: QueryDict) -> dict[str, list[str]]:
    """What is wrong with the query parameters themselves, by parameter name: one without a
    name (``?=1``), an empty ``format`` (DRF would ignore both silently), or a ``lang`` that is
    not a label language."""
    problems: dict[str, list[str]] = {}
    language = params.get("lang", None)
    if language is not None and language.lower() not in LABEL_LANGUAGES:
        problems["lang"] = [str(_("Unknown language; use zh-hans or en."))]
    if "" in params:
        message = _("A query parameter has no name (“=%(value)s”); write name=value.")
        problems[""] = [str(message) % {"value": params.get("", "")[:50]}]
    if params.get("format", None) == "":
        problems["format"] = [str(_("Give a format: json or csv, or leave the parameter out."))]
    return problems


class ApiRootView(routers.APIRootView):
    """``/api/v1/``: the list of the API's resources, meeting a request's key and method first
    as every other API address does."""

    renderer_classes = [JSONRenderer, BrowsableRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        check_key_and_method(self, request)
        super().initial(request, *args, **kwargs)


class ApiRouter(DefaultRouter):
    """The API's router: formats are chosen with ``?format=`` (json, csv), never with a suffix
    such as ``.csv``."""

    include_format_suffixes = False

    def get_method_map(self, viewset: Any, method_map: Mapping[str, str]) -> dict[str, str]:
        """Only the actions a viewset routes, where it names them (``routed_actions``): a
        resource that is one document has a list route and no detail route."""
        mapping = super().get_method_map(viewset, method_map)
        routed = getattr(viewset, "routed_actions", None)
        if routed is None:
            return mapping
        return {method: action for method, action in mapping.items() if action in routed}

    APIRootView = ApiRootView
