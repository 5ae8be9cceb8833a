"""The baselines: what the framework alone costs, under the same settings, middleware and
server as the product.

- ``form`` / ``insert``: a page that hands out a CSRF token and a view that stores one posted
  value in a one-column table (created by the bench harness, see ``bench.harness``), then
  redirects, as the comment form does.
- ``occupations``: a DRF ``ListAPIView`` over the same occupations as ``/api/v1/occupations/``,
  with a plain ``ModelSerializer`` (relations as ids, no nesting, no ETag) and page-number
  pagination.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.views.decorators.http import require_GET, require_POST
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from occupations.models import Occupation

TABLE = "bench_baseline_row"


@require_GET
def form(request: HttpRequest) -> HttpResponse:
    token = get_token(request)
    return HttpResponse(
        '<form method="post" action="../insert/">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<textarea name="body"></textarea></form>'
    )


@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [request.POST.get("body", "")])
    return HttpResponseRedirect("../form/")


def create_table() -> None:
    """The baseline's one-column table; the harness calls this once per bench database."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (body TEXT NOT NULL)")


def count_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


class OccupationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occupation
        fields = [
            "id",
            "code",
            "name",
            "alternative_names",
            "definition",
            "tasks",
            "job_types",
            "green",
            "digital",
            "group",
            "batch",
        ]


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 500


class OccupationList(generics.ListAPIView):
    queryset = Occupation.objects.all()
    serializer_class = OccupationSerializer
    pagination_class = Pagination
    filter_backends: list = []
