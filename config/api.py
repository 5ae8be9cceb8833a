"""URLs of the read-only REST API (DESIGN §6): /api/v1/, /api/schema/, /api/docs/.

The API's URL names live in the ``api`` namespace (``api:occupation-detail``), apart from the
public site's names of the same records.
"""

from typing import Any

from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from consult.api.views import api_not_found, router
from core.api.openapi import SCHEMA_LANGUAGE


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the same English document whatever the reader's language, and its
    ``Content-Language`` says so."""

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response["Content-Language"] = SCHEMA_LANGUAGE
        return response


urlpatterns = [
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the docs need no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Only paths ending in a slash, so that CommonMiddleware still adds a missing one.
    re_path(r"^api/(?:.*/)?$", api_not_found),
]
