"""The accessibility statement and the privacy notice, linked from every page.

Their text describes what this software does (what it stores, what it shows, what it never
shows); the contact address is the deployment's ``PUBLIC_CONTACT_EMAIL``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/accessibility.html",
        {"section": "accessibility", "contact": settings.PUBLIC_CONTACT_EMAIL},
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/privacy.html",
        {
            "section": "privacy",
            "contact": settings.PUBLIC_CONTACT_EMAIL,
            "comment_limit": settings.COMMENT_RATE_LIMIT,
        },
    )


@require_safe
def comment_record(request: HttpRequest) -> HttpResponse:
    """How the comment record is made and how to check a proof by hand."""
    return render(request, "site/comment_record.html", {"section": "consultations"})
