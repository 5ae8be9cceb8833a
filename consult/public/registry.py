"""The registry's pages as the project serves them: the occupation and batch pages of
``occupations.views``, with what the consultation that produced a record says about it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from consult.models import Consultation, DraftOccupation
from consult.public.reports import has_public_report
from consult.reporting.changes import draft_changes
from occupations import views as registry_views


@require_safe
def occupation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The registry's occupation page, and, when the occupation came out of a consultation, a
    link to it with what changed between the consulted and the published text."""
    occupation = registry_views.published_occupation(pk)
    draft = (
        DraftOccupation.objects.filter(occupation=occupation).select_related("consultation").first()
    )
    extra: dict = {"draft": draft, "consultation": None, "changed": []}
    if draft is not None and draft.consulted_text:
        draft.occupation = occupation
        changes = draft_changes([draft], public=True)[draft.pk]
        extra["consultation"] = draft.consultation
        extra["changed"] = changes.fields
        extra["undone"] = changes.undone
        if has_public_report(draft.consultation):
            extra["report_url"] = (
                reverse("consultation-report", args=[draft.consultation.slug])
                + f"#changes-{draft.pk}"
            )
    return registry_views.occupation_page(request, occupation, extra)


@require_safe
def batch_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The registry's batch page, linked to the consultation it was published from."""
    batch = registry_views.published_batch(slug)
    consultation = Consultation.objects.filter(batch=batch).first()
    return registry_views.batch_page(request, batch, {"consultation": consultation})
