"""Root URLs: the public site, the REST API, the admin and the language switcher."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("consult.api_urls")),
    path("", include("consult.site_urls")),
]

if settings.BENCH_BASELINES:
    urlpatterns.append(path("bench-baseline/", include("bench.baseline.urls")))
