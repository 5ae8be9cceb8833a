"""Public pages of the consultation process (DESIGN §5): home, consultations, the comment form,
receipts and response reports. Views validate, call one workflow function or QuerySet, and
render; the rules themselves live in ``consult.models`` and ``consult.workflow.consultations``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, ngettext
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from consult.intake import store as intake
from consult.intake.form import HONEYPOT_FIELD, CommentForm
from consult.models import Comment, Consultation, DraftOccupation, normalise_tracking_number
from consult.reporting import changes as answers
from consult.reporting import pdf as report_pdf
from consult.reporting import textdiff
from consult.reporting.analysis import build_analysis
from consult.reporting.report import build_response_report
from core import ratelimit
from core.clients import client_ip, request_started_at
from occupations import views as registry_views
from occupations.models import Batch, ClassificationGroup
from staff.signin import second_factor_required

COMMENTS_PER_PAGE = 50
LATEST_BATCHES = 6
# The inputs a refused submission gives back to the person, so that nothing typed is lost.
KEPT_INPUTS = (
    "occupation",
    "field",
    "task_number",
    "body",
    "proposed_text",
    "name",
    "organisation",
    "email",
    "consent_to_publish",
    "notify_replies",
)
PERSONAL_INPUTS = ("body", "proposed_text", "name", "organisation", "email")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    public = Consultation.objects.public()
    return render(
        request,
        "site/home.html",
        {
            "now": now,
            "open_consultations": list(public.open(now).order_by("closes_at", "pk")),
            "scheduled_consultations": list(public.scheduled(now).order_by("opens_at", "pk")),
            "latest_batches": list(
                Batch.objects.latest_first().with_occupation_count()[:LATEST_BATCHES]
            ),
        },
    )


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    by_state: dict[str, list[Consultation]] = {state: [] for state in Consultation.State.values}
    for consultation in Consultation.objects.public().with_comment_count():
        by_state[consultation.state(now)].append(consultation)
    by_state[Consultation.State.OPEN].sort(key=lambda c: c.closes_at)
    by_state[Consultation.State.SCHEDULED].sort(key=lambda c: c.opens_at)
    return render(
        request,
        "site/consultation_list.html",
        {
            "section": "consultations",
            "now": now,
            "open_consultations": by_state[Consultation.State.OPEN],
            "scheduled_consultations": by_state[Consultation.State.SCHEDULED],
            "closed_consultations": by_state[Consultation.State.CLOSED],
        },
    )


def _public_consultation(slug: str) -> Consultation:
    return get_object_or_404(Consultation.objects.public().select_related("batch"), slug=slug)


def _consultation_page(
    request: HttpRequest,
    consultation: Consultation,
    *,
    now: dt.datetime,
    drafts: list[DraftOccupation],
    form: CommentForm | None = None,
    refusal: str = "",
    status: int = 200,
    preview: bool = False,
) -> HttpResponse:
    state = consultation.state(now)
    active = _commentable(drafts)
    if form is None and state == Consultation.State.OPEN:
        form = CommentForm(
            initial=preselected_part(request.GET, active), target=intake.Target(consultation)
        )
    if form is not None:
        form.list_drafts(active)
    comments = (
        Comment.objects.published()
        .filter(consultation=consultation)
        .select_related("occupation", "api_key")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "site/consultation_detail.html",
        {
            "section": "consultations",
            "now": now,
            "consultation": consultation,
            "state": state,
            "is_open": state == Consultation.State.OPEN,
            "drafts": drafts,
            "shown": _as_shown(drafts, consulted=state == Consultation.State.CLOSED),
            "form": form,
            "refusal": refusal,
            "comments_page": page,
            "preview": preview,
        },
        status=status,
    )


@dataclasses.dataclass
class ShownDraft:
    """A draft as its page shows it: once the window has closed, the text the public commented
    on, with the revisions made since marked field by field."""

    draft: DraftOccupation
    text: dict
    revisions: list[textdiff.ChangedField]


def _as_shown(drafts: list[DraftOccupation], *, consulted: bool) -> list[ShownDraft]:
    if not consulted:
        return [ShownDraft(d, d.text(), []) for d in drafts]
    changed = {d.pk: d.changes_since_consultation() for d in drafts}
    group_ids = {v for c in changed.values() for v in c.get("group_id", ())} - {None}
    groups = (
        {g.pk: str(g) for g in ClassificationGroup.objects.filter(pk__in=group_ids)}
        if group_ids
        else {}
    )
    return [
        ShownDraft(
            d,
            {**d.text(), **d.consulted_text},
            textdiff.compare(d.consulted_text, d.text(), groups) if changed[d.pk] else [],
        )
        for d in drafts
    ]


def preselected_part(query, drafts: list[DraftOccupation]) -> dict:
    """What "comment on this occupation / this task" links preselect in the form
    (``?occupation=<id>&field=task&task_number=2``, the form's own field names); a value that
    does not fit this list is left out, never shown as an error."""
    draft = next((d for d in drafts if str(d.pk) == query.get("occupation", "")), None)
    if draft is None:
        return {}
    initial: dict = {"occupation": str(draft.pk)}
    part = query.get("field", "")
    if part in Comment.Field.values and part:
        initial["field"] = part
        number = query.get("task_number", "")
        if part == Comment.Field.TASK and number.isdigit() and 1 <= int(number) <= len(draft.tasks):
            initial["task_number"] = int(number)
    return initial


def _drafts(consultation: Consultation) -> list[DraftOccupation]:
    return list(consultation.drafts.public().in_order().select_related("group"))


def _commentable(drafts: list[DraftOccupation]) -> list[DraftOccupation]:
    """The drafts a comment may name: the already-fetched list, less withdrawn ones (as
    ``DraftOccupation.objects.active()``)."""
    return [d for d in drafts if d.status != DraftOccupation.Status.WITHDRAWN]


@require_safe
def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page; while drafting, a preview for staff who may see the consultation
    (the public gets 404, as for a slug that does not exist)."""
    consultation = get_object_or_404(Consultation.objects.select_related("batch"), slug=slug)
    if consultation.status != Consultation.Status.DRAFTING:
        return _consultation_page(
            request, consultation, now=timezone.now(), drafts=_drafts(consultation)
        )
    if not may_preview(request):
        raise Http404
    response = _consultation_page(
        request, consultation, now=timezone.now(), drafts=_drafts(consultation), preview=True
    )
    # A preview is one staff member's view: never kept by a shared cache, never indexed.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def may_preview(request: HttpRequest) -> bool:
    """Staff who may see consultations in the admin, signed in as the admin requires."""
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("consult.view_consultation")):
        return False
    return not second_factor_required() or user.is_verified()


# What a person typed stays out of error reports (the debug page, mails to ADMINS): the posted
# fields, and the local variables that hold them.
@sensitive_variables("form", "kept")
@sensitive_post_parameters(*PERSONAL_INPUTS)
@require_http_methods(["GET", "HEAD", "POST"])
def comment_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a comment if the window is open at the moment the POST arrives (at the first
    trusted proxy: ``core.clients.request_started_at``).

    Refusals store nothing: rate limit (429), honeypot (a normal-looking thank-you page), a
    closed or not yet open window (403: the page again, with everything typed kept), invalid
    input (400: the page again, each error on its field). The limit counts stored comments and
    honeypot hits only, so that a person correcting a form is not charged for each try.
    """
    if request.method != "POST":
        consultation = intake.read_consultation(slug)
        if consultation is None:
            raise Http404
        return redirect(consultation)
    now = request_started_at(request)
    target = intake.read_target(slug, request.POST.get("occupation", ""))
    if target is None:
        raise Http404
    ip, rate = client_ip(request), ratelimit.comment_rate()
    verdict = ratelimit.check(
        "comment", ip, rate, fallback=lambda since: intake.comments_sent_since(ip, since)
    )
    if not verdict.allowed:
        return _rate_limited(request, target, now=now, retry_after=verdict.retry_after)
    if request.POST.get(HONEYPOT_FIELD, "").strip():
        ratelimit.charge("comment", ip, rate)
        return render(request, "site/comment_thanks.html", {"consultation": target.consultation})
    refusal = intake.window_refusal_on_page(target.consultation, now)
    if refusal:
        form = _kept_form(request, target)
        return _page_again(request, slug, now=now, form=form, refusal=refusal, status=403)
    form = CommentForm(
        request.POST,
        request.FILES,
        target=target,
        upload_refusal=getattr(request, "upload_refusal", None),
    )
    if not form.is_valid():
        return _page_again(request, slug, now=now, form=form, status=400)
    comment = intake.submit_comment(
        target,
        now=now,
        **form.submission(),
        sender=intake.Sender(
            ip=ip,
            language=translation.get_language(),
            site_url=request.build_absolute_uri("/").rstrip("/"),
        ),
    )
    ratelimit.charge("comment", ip, rate)
    return redirect(comment)


def _kept_form(request: HttpRequest, target: intake.Target) -> CommentForm:
    """A form filled with what was posted, for a refusal that is not about the input itself:
    everything typed comes back (files cannot: a browser never lets a page preset them)."""
    kept: dict = {name: request.POST.get(name, "") for name in KEPT_INPUTS}
    kept["consent_to_publish"] = bool(request.POST.get("consent_to_publish"))
    kept["notify_replies"] = bool(request.POST.get("notify_replies"))
    return CommentForm(initial=kept, target=target)


@sensitive_variables("kept")
def _rate_limited(
    request: HttpRequest, target: intake.Target, *, now: dt.datetime, retry_after: int
) -> HttpResponse:
    """The consultation's page again (429) with the refused comment in the form, ready to be
    sent once the limit allows it."""
    minutes = math.ceil(retry_after / 60)
    refusal = ngettext(
        "Too many comments from your connection: to keep the consultation fair, each "
        "connection can send only a limited number of comments in a given time. This comment "
        "was not stored. Your text is kept in the form below: please send it again in about "
        "%(minutes)d minute.",
        "Too many comments from your connection: to keep the consultation fair, each "
        "connection can send only a limited number of comments in a given time. This comment "
        "was not stored. Your text is kept in the form below: please send it again in about "
        "%(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.FILES:
        refusal += " " + gettext("Files are not kept: please choose them again.")
    response = _page_again(
        request,
        target.consultation.slug,
        now=now,
        form=_kept_form(request, target),
        refusal=refusal,
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _page_again(
    request: HttpRequest,
    slug: str,
    *,
    now: dt.datetime,
    form: CommentForm,
    refusal: str = "",
    status: int,
) -> HttpResponse:
    """The consultation's page, read in full, with a refused comment's form."""
    consultation = _public_consultation(slug)
    return _consultation_page(
        request,
        consultation,
        now=now,
        drafts=_drafts(consultation),
        form=form,
        refusal=refusal,
        status=status,
    )


@require_safe
def consultation_report(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _public_consultation(slug)
    if not consultation.report_is_public:
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
            "answers": answers.draft_changes(drafts, public=True),
        },
    )


@require_safe
def consultation_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as a PDF: served from the stored file of the report's current version, or,
    while a worker builds it (seconds for a large report: never in the request), a page that
    says so (202) with a link to the report's web page."""
    consultation = _public_consultation(slug)
    if not consultation.report_is_public:
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


@require_safe
def comment_receipt(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """What was submitted and where it stands; never the author's name, organisation or
    e-mail address."""
    canonical = normalise_tracking_number(tracking_number)
    if canonical != tracking_number:
        return redirect("comment-receipt", tracking_number=canonical)
    comment = get_object_or_404(
        Comment.objects.select_related("consultation", "occupation").annotate(
            attachment_count=Count("attachments")
        ),
        tracking_number=tracking_number,
    )
    response = render(request, "site/comment_receipt.html", {"comment": comment})
    response["X-Robots-Tag"] = "noindex"
    return response


# The registry's pages, with what the consultation that produced a record says about it -------


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
        changes = answers.draft_changes([draft], public=True)[draft.pk]
        extra["consultation"] = draft.consultation
        extra["changed"] = changes.fields
        extra["undone"] = changes.undone
        if draft.consultation.report_is_public:
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
