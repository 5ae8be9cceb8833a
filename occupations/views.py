"""Public pages of the registry: the published catalogue, one occupation with its
skill standards, one batch.

The registry reads nothing of the consultation app. The project's pages add what a consultation says
about a record (``consult.public.views``) through the ``extra`` context of ``occupation_page`` and
``batch_page``."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from occupations import downloads
from occupations.classification import classification_history
from occupations.forms import CatalogueFilterForm, marker_counts, with_standard_flag
from occupations.linked_data import batch_json_ld, json_ld_script, occupation_json_ld
from occupations.models import (
    Batch,
    Occupation,
    OccupationVersion,
    Release,
    SkillStandard,
    StandardLevel,
)

OCCUPATIONS_PER_PAGE = 50
# A release's files never change once built: a year, and "immutable" so that browsers do not
# even revalidate them.
DOWNLOAD_MAX_AGE = 365 * 24 * 3600


@require_safe
def occupation_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    occupations = form.filter(
        with_standard_flag(Occupation.objects.published().with_related())
    ).order_by("-batch__announced_on", "-batch_id", "position", "pk")
    page = Paginator(occupations, OCCUPATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "site/occupation_list.html",
        {
            "section": "occupations",
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(query),
            "markers": marker_counts(occupations),
            "coverage": announced_coverage(),
        },
    )


def announced_coverage() -> dict:
    """How many occupations the batches' announcements give in all and how many the sources
    name (the registry holds only those). A batch whose announcement gives no number counts
    the occupations it names, and the total is then a lower bound."""
    rows = list(
        Batch.objects.with_occupation_count().values_list("announced_count", "occupation_total")
    )
    return {
        "announced": sum(max(announced or 0, named) for announced, named in rows),
        "named": sum(named for _announced, named in rows),
        "announced_is_minimum": any(announced is None for announced, _named in rows),
    }


def published_occupation(pk: int) -> Occupation:
    """The published occupation ``pk`` with its standards and their levels, or 404."""
    levels = StandardLevel.objects.order_by("rank").prefetch_related("requirements", "weights")
    standards = SkillStandard.objects.order_by("pk").prefetch_related(
        "authorities", Prefetch("levels", queryset=levels)
    )
    return get_object_or_404(
        Occupation.objects.with_related().prefetch_related(
            Prefetch("standards", standards),
            Prefetch("versions", OccupationVersion.objects.select_related("batch")),
        ),
        pk=pk,
    )


def occupation_page(
    request: HttpRequest, occupation: Occupation, extra: dict | None = None
) -> HttpResponse:
    return render(
        request,
        "site/occupation_detail.html",
        {
            "section": "occupations",
            "occupation": occupation,
            "json_ld": json_ld_script(occupation_json_ld(request, occupation)),
            **(extra or {}),
        },
    )


def batch_page(request: HttpRequest, batch: Batch, extra: dict | None = None) -> HttpResponse:
    occupations = list(
        with_standard_flag(batch.occupations.select_related("group")).order_by("position", "pk")
    )
    return render(
        request,
        "site/batch_detail.html",
        {
            "section": "occupations",
            "batch": batch,
            "occupations": occupations,
            "unnamed": (batch.announced_count or 0) - len(occupations),
            "json_ld": json_ld_script(batch_json_ld(request, batch, occupations)),
            **(extra or {}),
        },
    )


def published_batch(slug: str) -> Batch:
    """The published batch ``slug`` with its authorities, or 404."""
    return get_object_or_404(Batch.objects.prefetch_related("authorities"), slug=slug)


@require_safe
def classification(request: HttpRequest) -> HttpResponse:
    """/classification/: the editions of the classification, the earlier releases of new
    occupations and the batches, in order, each fact with its source."""
    return render(
        request,
        "site/classification.html",
        {"section": "classification", "history": classification_history()},
    )


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    """/data/: every release with its note, counts and downloads; the licence; how to cite."""
    releases = list(Release.objects.latest_first())
    return render(
        request,
        "site/data.html",
        {
            "section": "data",
            "releases": releases,
            "latest": releases[0] if releases else None,
            "licence": settings.OPEN_DATA_LICENCE,
            "licence_url": settings.OPEN_DATA_LICENCE_URL,
        },
    )


@require_safe
def release_downloads(request: HttpRequest, version: str) -> HttpResponse:
    """/downloads/<version>/: the release's files are listed on /data/."""
    release = get_object_or_404(Release, version=version)
    return redirect(release.get_absolute_url())


@require_safe
def download(request: HttpRequest, version: str, name: str) -> FileResponse:
    """One file of a release, from the downloads storage, cached for good.

    Served by the app rather than by WhiteNoise: WhiteNoise indexes its files when the process
    starts, and these are written later, by the worker, possibly on another machine."""
    release = get_object_or_404(Release, version=version)
    built = {file["name"]: file for file in release.downloads}
    if name not in built:
        raise Http404("No such file in this release.")
    try:
        handle = downloads.storage().open(downloads.path(release, name), "rb")
    except FileNotFoundError:
        raise Http404("The file is not in the downloads storage.") from None
    response = FileResponse(
        handle,
        content_type=downloads.content_type(name),
        as_attachment=name != downloads.README_NAME and name != downloads.MANIFEST_NAME,
        filename=f"{release.version}-{name}" if "." in name else name,
    )
    response["ETag"] = f'"{built[name]["sha256"]}"'
    if language := downloads.content_language(name):
        response["Content-Language"] = language  # the file's language, not the request's
    patch_cache_control(response, public=True, max_age=DOWNLOAD_MAX_AGE, immutable=True)
    return response
