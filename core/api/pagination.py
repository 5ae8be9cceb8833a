"""Page-number pagination that may take its count from a query already made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _whole_number(raw: str) -> int:
    """``raw`` as a whole number; 0 (never a valid page or size) if it is not one."""
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        return 0
    return int(text)


class CountedPaginator(Paginator):
    """A paginator that may be told how many rows its queryset has, so that it does not
    count them again."""

    def __init__(
        self, object_list: QuerySet[Any, Any] | Sequence[Any], per_page: int, *, count: int | None
    ) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # takes the place of the cached property


class ApiPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50; larger than 500 is served as 500).

    A page or a page size that is not a whole number of at least 1 is refused with a 400
    naming it (on a CSV too, which is not paged); a page past the end is a 404.
    """

    page_size: int = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # What the view says of the whole filtered list besides its count (``markers``), placed
    # after ``count``; the schema of each key is in ``summary_schema``.
    summary: dict[str, Any] | None = None
    summary_schema: dict[str, Any] = {}

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # paginate_queryset() ran first
        return Response(
            {
                "count": self.page.paginator.count,
                **(self.summary or {}),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        if self.summary_schema:
            properties = paginated["properties"]
            count = {"count": properties.pop("count")}
            paginated["properties"] = {**count, **self.summary_schema, **properties}
        return paginated

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
        *,
        count: int | None = None,
    ) -> list[Any]:
        """The rows of the requested page of ``queryset``; ``count``, if given, is its number
        of rows, so that they are not counted again.

        DRF's own steps, with a ``CountedPaginator``: DRF makes its paginator from the queryset
        and the page size alone, so a count known beforehand could not reach it."""
        self.request = request
        paginator = CountedPaginator(queryset, self.get_page_size(request), count=count)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            message = self.invalid_page_message.format(page_number=page_number, message=str(exc))
            raise NotFound(message) from None
        if paginator.num_pages > 1 and self.template is not None:
            # The browsable API shows the page links.
            self.display_page_controls = True
        return list(self.page)

    def query_problems(self, params: QueryDict) -> dict[str, list[str]]:
        """The paging parameters that are not whole numbers of at least 1, by name, each with
        its message; checked on every list, a CSV's too (which is not paged)."""
        problems: dict[str, list[str]] = {}
        for name in (self.page_query_param, self.page_size_query_param):
            raw = params.get(name)
            if raw is not None and _whole_number(raw) < 1:
                problems[name] = [str(_("Enter a whole number of at least 1."))]
        return problems

    def get_page_size(self, request: Request) -> int:
        problems = self.query_problems(request.query_params)
        if self.page_size_query_param in problems:
            raise ValidationError(problems)
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_whole_number(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the end answers 404; 0, "
                "negative, empty or non-numeric values answer 400.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page, default {DEFAULT_PAGE_SIZE}. Values above "
                    f"{MAX_PAGE_SIZE} are served as {MAX_PAGE_SIZE}; 0, negative, empty or "
                    "non-numeric values answer 400, with `format=csv` too."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
