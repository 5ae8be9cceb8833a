"""The response report as a PDF (``/consultations/<slug>/report.pdf``), with its CJK text in
embedded Noto CJK fonts (Debian's fonts-noto-cjk, found by WeasyPrint through fontconfig).

Rendering takes seconds for a report of a few hundred comments, so it never runs in a request:
the page asks for the PDF of the report's current version (``report_version``), a worker
builds it (``build``) and stores it under ``MEDIA_ROOT`` keyed by consultation, language and
version, and every later request for that version is served from the file. A new comment,
moderation, disposition, reply or revision changes the version, and the next request builds the
new one; the files of older versions are removed when it is stored.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from consult import commitment
from consult.models import Comment, CommentRecord, Consultation
from consult.reporting.report import build_response_report

logger = logging.getLogger(__name__)

FOLDER = "reports"
# Seconds a queued build is waited for before another request queues it again.
BUILD_WAIT = 300


def report_version(consultation: Consultation) -> str:
    """A short digest of everything the public report shows: the consultation's own row, its
    drafts' texts and statuses, and its comments' moderation, dispositions and replies (each
    moves ``updated_at``), with the counts so that a deletion changes it too."""
    comments = Comment.objects.filter(consultation=consultation).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    drafts = consultation.drafts.aggregate(n=Count("pk"), last=Max("updated_at"))
    record = CommentRecord.objects.filter(consultation=consultation).first()
    parts = [
        consultation.pk,
        consultation.status,
        consultation.updated_at.isoformat(),
        comments["n"],
        comments["last"].isoformat() if comments["last"] else "",
        drafts["n"],
        drafts["last"].isoformat() if drafts["last"] else "",
        # The comment record appears once the window has closed; withdrawals move comments.
        record.root if record else "",
    ]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def pdf_path(consultation: Consultation, language: str, version: str) -> str:
    return f"{FOLDER}/{consultation.slug}/{language}-{version}.pdf"


def stored_pdf(consultation: Consultation, language: str) -> tuple[str, str | None]:
    """The current version, and the stored PDF of it (its path) if it was built."""
    version = report_version(consultation)
    path = pdf_path(consultation, language, version)
    return version, path if default_storage.exists(path) else None


def render_pdf(consultation: Consultation, *, language: str, page_url: str) -> bytes:
    """The report as PDF bytes, in ``language``, as the public page shows it."""
    from weasyprint import HTML  # imported here: it loads Pango and fonts, which costs time

    with translation.override(language):
        html = render_to_string(
            "site/consultation_report_pdf.html",
            {
                "consultation": consultation,
                "report": build_response_report(consultation, public=True),
                "record_summary": commitment.summary(consultation),
                "page_url": page_url,
                "generated_at": timezone.now(),
            },
        )
    return HTML(string=html, base_url=page_url).write_pdf()


def build(consultation_id: int, language: str, site_url: str) -> str:
    """Store the PDF of the consultation's current report version in ``language``; what
    happened, as a word (``built``, ``current`` when already stored, ``skipped`` when the
    report is not public)."""
    consultation = Consultation.objects.filter(pk=consultation_id).select_related("batch").first()
    if consultation is None or not consultation.report_is_public:
        return "skipped"
    version, stored = stored_pdf(consultation, language)
    if stored:
        return "current"
    page_url = site_url + consultation.get_absolute_url() + "report/"
    pdf = render_pdf(consultation, language=language, page_url=page_url)
    path = pdf_path(consultation, language, version)
    default_storage.save(path, ContentFile(pdf))
    _remove_older(consultation, language, keep=path)
    return "built"


def _remove_older(consultation: Consultation, language: str, *, keep: str) -> None:
    folder = f"{FOLDER}/{consultation.slug}"
    _dirs, files = default_storage.listdir(folder)
    for name in files:
        path = f"{folder}/{name}"
        if name.startswith(f"{language}-") and path != keep:
            default_storage.delete(path)


def request_build(
    consultation: Consultation, *, language: str, version: str, site_url: str
) -> None:
    """Queue the build of this version's PDF once: further requests while it is queued or
    being built do not queue it again (a key in the shared cache, kept for ``BUILD_WAIT``
    seconds, after which a build that was lost is asked for anew)."""
    key = f"report-pdf:{consultation.pk}:{language}:{version}"
    if cache.add(key, 1, BUILD_WAIT):
        transaction.on_commit(lambda: build_report_pdf.enqueue(consultation.pk, language, site_url))


@task()
def build_report_pdf(consultation_id: int, language: str, site_url: str) -> str:
    """Build the PDF of a consultation's public report (``build``)."""
    return build(consultation_id, language, site_url)
