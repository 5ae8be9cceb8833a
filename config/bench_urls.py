"""The project's URLs and, under /bench-baseline/, the benchmarks' bare-framework baselines
(``config.bench_settings``)."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("bench-baseline/", include("bench.baseline.urls")),
]
