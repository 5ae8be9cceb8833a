"""Public pages of the registry (DESIGN §5): the published catalogue, one occupation with its
skill standards, one batch.

The registry reads nothing of the consultation app. The project's pages add what a consultation
says about a record (``consult.views``) through the ``extra`` context of ``occupation_page`` and
``batch_page``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from occupations.forms import CatalogueFilterForm, with_standard_flag
from occupations.models import (
    Batch,
    Occupation,
    SkillStandard,
    StandardLevel,
)

OCCUPATIONS_PER_PAGE = 50


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
        },
    )


def published_occupation(pk: int) -> Occupation:
    """The published occupation ``pk`` with its standards and their levels, or 404."""
    levels = StandardLevel.objects.order_by("rank").prefetch_related("requirements", "weights")
    standards = SkillStandard.objects.order_by("pk").prefetch_related(
        "authorities", Prefetch("levels", queryset=levels)
    )
    return get_object_or_404(
        Occupation.objects.with_related().prefetch_related(Prefetch("standards", standards)),
        pk=pk,
    )


def occupation_page(
    request: HttpRequest, occupation: Occupation, extra: dict | None = None
) -> HttpResponse:
    return render(
        request,
        "site/occupation_detail.html",
        {"section": "occupations", "occupation": occupation, **(extra or {})},
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
            **(extra or {}),
        },
    )


def published_batch(slug: str) -> Batch:
    """The published batch ``slug`` with its authorities, or 404."""
    return get_object_or_404(Batch.objects.prefetch_related("authorities"), slug=slug)
