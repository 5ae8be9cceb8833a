"""Page-number pagination that may take its count from a query already made."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


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
