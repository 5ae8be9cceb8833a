"""Mounted under /bench-baseline/ by ``config.bench_urls`` (``config.bench_settings``)."""

from django.urls import path

from bench.baseline import views

urlpatterns = [
    path("form/", views.form, name="bench-baseline-form"),
    path("insert/", views.insert, name="bench-baseline-insert"),
    path("occupations/", views.OccupationList.as_view(), name="bench-baseline-occupations"),
]
