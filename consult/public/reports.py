"""A consultation's response report, as a page and as a PDF built by the worker."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from consult import commitment
from consult.public.views import public_consultation
from consult.reporting import pdf as report_pdf
from consult.reporting.analysis import build_analysis
from consult.reporting.changes import draft_changes
from consult.reporting.report import build_response_report


def has_public_report(consultation) -> bool:
    """A report of the comments this site took: none while the window is open or unreviewed,
    and none at all where the comments were collected elsewhere (the site holds none of them,
    and a report would count zero)."""
    return consultation.report_is_public and not consultation.comments_collected_elsewhere


@require_safe
def consultation_report(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = public_consultation(slug)
    if not has_public_report(consultation):
        return render(
            request,
            "site/report_pending.html",
            {"consultation": consultation, "now": timezone.now()},
            status=404,
        )
    report = build_response_report(consultation, public=True)
    drafts = list(consultation.drafts.public().in_order().select_related("occupation"))
    return render(
        request,
        "site/consultation_report.html",
        {
            "section": "consultations",
            "consultation": consultation,
            "report": report,
            "analysis": build_analysis(consultation),
            "answers": draft_changes(drafts, public=True),
            "record_summary": commitment.summary(consultation),
        },
    )


@require_safe
def consultation_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as a PDF: served from the stored file of the report's current version, or,
    while a worker builds it (seconds for a large report: never in the request), a page that
    says so (202) with a link to the report's web page."""
    consultation = public_consultation(slug)
    if not has_public_report(consultation):
        return render(
            request,
            "site/report_pending.html",
            {"consultation": consultation, "now": timezone.now()},
            status=404,
        )
    language = translation.get_language()
    version, stored = report_pdf.stored_pdf(consultation, language)
    if stored:
        response = FileResponse(
            default_storage.open(stored, "rb"),
            content_type="application/pdf",
            filename=f"{consultation.slug}-report-{language}.pdf",
        )
        response["ETag"] = f'"{version}-{language}"'
        response["Cache-Control"] = "public, max-age=60"
        return response
    report_pdf.request_build(
        consultation,
        language=language,
        version=version,
        site_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = render(
        request,
        "site/report_pdf_pending.html",
        {"section": "consultations", "consultation": consultation},
        status=202,
    )
    response["Retry-After"] = "10"
    response["Cache-Control"] = "no-store"
    return response
