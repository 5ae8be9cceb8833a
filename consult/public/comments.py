"""Public pages about comments as a whole: the tracking-number lookup and the search in a
consultation's published comments (DESIGN §5)."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from consult.intake.form import CommentSearchForm
from consult.models import Comment, Consultation, normalise_tracking_number
from consult.models.comments import TRACKING_NUMBER_PATTERN

RESULTS_PER_PAGE = 20


@require_safe
def comment_lookup(request: HttpRequest) -> HttpResponse:
    """``/comments/?number=…``: the receipt of a known tracking number (a redirect), else this
    page again with a message on the field. It says only whether a number exists, which the
    receipt's own address says too; nothing about a comment is shown here."""
    typed = request.GET.get("number", "")
    if not typed.strip():
        return _lookup_page(request, typed, error="", status=200)
    number = normalise_tracking_number(typed)
    if not re.fullmatch(TRACKING_NUMBER_PATTERN, number):
        error = _(
            "A tracking number has 12 letters and digits in three groups of four, such as "
            "7KQ4-M2XD-93TR. Check the number in your receipt."
        )
        return _lookup_page(request, typed, error=error, status=400)
    if not Comment.objects.filter(tracking_number=number).exists():
        error = _(
            "No comment has the tracking number %(number)s. Check it against your receipt; "
            "letters and digits that look alike (O and 0, I and 1) are read as the same."
        ) % {"number": number}
        return _lookup_page(request, typed, error=error, status=404)
    return redirect("comment-receipt", tracking_number=number)


def _lookup_page(request: HttpRequest, typed: str, *, error: str, status: int) -> HttpResponse:
    response = render(
        request, "site/comment_lookup.html", {"number": typed[:40], "error": error}, status=status
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def comment_search(request: HttpRequest, slug: str) -> HttpResponse:
    """Published comments of one consultation, searched by words and filtered by occupation
    and response; only what the consultation page itself shows."""
    consultation = get_object_or_404(Consultation.objects.public(), slug=slug)
    drafts = list(consultation.drafts.public().in_order().only("pk", "position", "name"))
    form = CommentSearchForm(request.GET or None, drafts=drafts)
    if form.is_bound:
        form.is_valid()
    comments = form.filter(
        Comment.objects.published()
        .filter(consultation=consultation)
        .select_related("occupation")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(comments, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "site/comment_search.html",
        {
            "section": "consultations",
            "consultation": consultation,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": form.is_bound and form.filtered,
        },
    )
