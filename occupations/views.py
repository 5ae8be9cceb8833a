"""Public pages of the registry (DESIGN §5): the published catalogue, one occupation with its
skill standards, one batch.

Nothing here imports the consultation app. An occupation that came out of a consultation has a
reverse one-to-one ``draft`` (declared on the consultation side); it is read with ``getattr`` so
that the registry works with or without that app.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from occupations import textdiff
from occupations.forms import CatalogueFilterForm, with_standard_flag
from occupations.models import (
    Batch,
    ClassificationGroup,
    Occupation,
    SkillStandard,
    StandardLevel,
)

OCCUPATIONS_PER_PAGE = 50


@require_GET
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


@require_GET
def occupation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    levels = StandardLevel.objects.order_by("rank").prefetch_related("requirements", "weights")
    standards = SkillStandard.objects.order_by("pk").prefetch_related(
        "authorities", Prefetch("levels", queryset=levels)
    )
    occupation = get_object_or_404(
        Occupation.objects.with_related().prefetch_related(Prefetch("standards", standards)),
        pk=pk,
    )
    draft = getattr(occupation, "draft", None)
    changed: list[textdiff.ChangedField] = []
    consultation = None
    if draft is not None and draft.consulted_text:
        consultation = draft.consultation
        group_ids = {draft.consulted_text.get("group_id"), occupation.group_id} - {None}
        groups = {g.pk: str(g) for g in ClassificationGroup.objects.filter(pk__in=group_ids)}
        changed = textdiff.changes(draft.consulted_text, occupation, groups)
    return render(
        request,
        "site/occupation_detail.html",
        {
            "section": "occupations",
            "occupation": occupation,
            "draft": draft,
            "consultation": consultation,
            "changed": changed,
        },
    )


@require_GET
def batch_detail(request: HttpRequest, slug: str) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.prefetch_related("authorities"), slug=slug)
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
            "consultation": getattr(batch, "consultation", None),
            "unnamed": (batch.announced_count or 0) - len(occupations),
        },
    )
