"""The REST API's URLs: ``/api/v1/`` (the registry's routes and the consultations', joined in one
router so that the API's root lists both), ``/api/schema/`` and ``/api/docs/``.

The API's URL names live in the ``api`` namespace (``api:occupation-detail``), apart from the
public site's names of the same records.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from consult.api import routes as consultation_routes
from core.api.openapi import SCHEMA_LANGUAGE
from core.api.viewsets import ApiRouter
from occupations.api import routes as registry_routes

router = ApiRouter()
router.registry.extend(registry_routes.router.registry)
router.registry.extend(consultation_routes.router.registry)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a JSON 404 like the API's own, whatever the method (the
    API takes no cookies, so a POST here meets no CSRF page either)."""
    return JsonResponse(
        {"detail": _("Not found.")}, status=404, json_dumps_params={"ensure_ascii": False}
    )


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
    re_path(r"^api/(?:[\s\S]*/)?\Z", api_not_found),
]
