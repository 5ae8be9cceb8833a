"""URLs of the read-only REST API (DESIGN §6): /api/v1/, /api/schema/, /api/docs/.

The API's URL names live in the ``api`` namespace (``api:occupation-detail``), apart from the
public site's names of the same records.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from consult.api import api_not_found, router

urlpatterns = [
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the docs need no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Only paths ending in a slash, so that CommonMiddleware still adds a missing one.
    re_path(r"^api/(?:.*/)?$", api_not_found),
]
