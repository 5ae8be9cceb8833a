"""The response report as a PDF (``/consultations/<slug>/report.pdf``), with its CJK text in
embedded Noto CJK fonts (Debian's fonts-noto-cjk, found by WeasyPrint through fontconfig).

Rendering takes seconds for a report of a few hundred comments, so it never runs in a request:
the page asks for the PDF of the report's current version (``report_version``), a worker
builds it (``build``) and stores it under ``MEDIA_ROOT`` keyed by consultation, language and
version, and every later request for that version is served from the file. A new comment,
moderation, disposition, reply or revision changes the version, and the next request builds the
new one; the files of older versions are removed when it is stored.

WeasyPrint fetches what the HTML refers to (images, stylesheets, fonts). The report holds
public comments, so escaping alone would stand between a comment and a request to any
address or a read of any file: ``ReportFetcher`` refuses every URL but ``data:`` and the
project's own static files (read from disk, never over the network).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
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

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

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
    return html_to_pdf(html, base_url=page_url)


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """``html`` as PDF bytes, its relative URLs taken from ``base_url``; nothing is fetched
    but ``data:`` URLs and static files (``ReportFetcher``)."""
    from weasyprint import HTML  # imported here: it loads Pango and fonts, which costs time

    return HTML(string=html, base_url=base_url, url_fetcher=report_fetcher()).write_pdf()


def report_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses everything but ``data:`` URLs and the project's
    own static files. Built on call: WeasyPrint is imported only when a PDF is made."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.lower().startswith("data:"):
                # urllib's data: handler decodes it in memory; nothing leaves the process.
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                logger.warning("Report PDF: refused to fetch %.200s", url)
                raise ValueError(f"Only static files and data: URLs are fetched, not {url!r}.")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return ReportFetcher(allowed_protocols={"data", "http", "https"}, allow_redirects=False)


def static_file(url: str) -> Path | None:
    """The file on disk of ``url`` when it is an http(s) URL whose path is under
    ``STATIC_URL`` and names one of the project's static files (collected, or found by the
    static files finders), else None. The host is not looked at: nothing is fetched."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or parts.query or parts.fragment:
        return None
    prefix = urlsplit(settings.STATIC_URL).path
    if not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path.removeprefix(prefix))
    if not name or "\\" in name or any(part in {"", ".", ".."} for part in name.split("/")):
        return None
    try:
        if settings.STATIC_ROOT and staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return Path(found) if isinstance(found, str) else None


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
