"""Public pages about comments: the comment POST, the receipt, the tracking-number lookup and
the search in a consultation's published comments."""

from __future__ import annotations

import datetime as dt
import re

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from consult import commitment
from consult.intake.store import Sender
from consult.intake.verdict import Outcome, Submission, Verdict, read_consultation, take_comment
from consult.models import Comment, Consultation, normalise_tracking_number
from consult.models.comments import TRACKING_NUMBER_PATTERN
from consult.public.forms import CommentSearchForm
from consult.public.views import consultation_page, public_consultation, public_drafts
from core.clients import client_ip, request_started_at

PERSONAL_INPUTS = ("body", "proposed_text", "name", "organisation", "email")


# What a person typed stays out of error reports (the debug page, mails to ADMINS): the posted
# fields, and the local variables that hold them.
@sensitive_variables("submission")
@sensitive_post_parameters(*PERSONAL_INPUTS)
@require_http_methods(["GET", "HEAD", "POST"])
def comment_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a comment if the window is open at the moment the POST arrives (at the first
    trusted proxy: ``core.clients.request_started_at``); ``consult.intake.verdict.take_comment``
    decides, and this renders its verdict: the receipt when taken, the thank-you page for the
    honeypot's decoy, otherwise the consultation's page again with the refusal (the 429 with
    Retry-After) and the form (each error on its field, or everything typed kept).
    """
    if request.method != "POST":
        consultation = read_consultation(slug)
        if consultation is None:
            raise Http404
        return redirect(consultation)
    submission = Submission(
        slug=slug,
        data=request.POST,
        files=request.FILES,
        # Read after the body: the upload handler sets it while reading the files.
        upload_refusal=getattr(request, "upload_refusal", None),
        now=request_started_at(request),
        sender=Sender(
            ip=client_ip(request),
            language=translation.get_language(),
            site_url=request.build_absolute_uri("/").rstrip("/"),
        ),
    )
    verdict = take_comment(submission)
    if verdict.outcome == Outcome.NOT_FOUND:
        raise Http404
    if verdict.outcome == Outcome.TAKEN:
        return redirect(verdict.comment)
    if verdict.outcome == Outcome.DECOY:
        context = {"consultation": verdict.target.consultation}
        return render(request, "site/comment_thanks.html", context)
    return _page_again(request, slug, verdict, now=submission.now)


def _page_again(
    request: HttpRequest, slug: str, verdict: Verdict, *, now: dt.datetime
) -> HttpResponse:
    """The consultation's page, read in full, with the refused comment's form and why it was
    refused."""
    consultation = public_consultation(slug)
    response = consultation_page(
        request,
        consultation,
        now=now,
        drafts=public_drafts(consultation),
        form=verdict.form,
        refusal=verdict.refusal,
        status=verdict.status,
    )
    if verdict.retry_after:
        response["Retry-After"] = str(verdict.retry_after)
    return response


@require_safe
def comment_receipt(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """What was submitted and where it stands; never the author's name, organisation or
    e-mail address."""
    canonical = normalise_tracking_number(tracking_number)
    if canonical != tracking_number:
        return redirect("comment-receipt", tracking_number=canonical)
    comment = get_object_or_404(
        Comment.objects.select_related("consultation__comment_record", "occupation").annotate(
            attachment_count=Count("attachments")
        ),
        tracking_number=tracking_number,
    )
    try:
        proof, no_proof = commitment.proof(comment), ""
    except commitment.NoProof as refusal:
        proof, no_proof = None, str(refusal)
    response = render(
        request,
        "site/comment_receipt.html",
        {"comment": comment, "proof": proof, "no_proof": no_proof},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def comment_proof(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The receipt's inclusion proof as a small JSON file (the API's, ``consult.commitment``);
    404 before the close, with the reason."""
    comment = get_object_or_404(
        Comment.objects.select_related("consultation__comment_record"),
        tracking_number=normalise_tracking_number(tracking_number),
    )
    try:
        proof = commitment.proof(comment)
    except commitment.NoProof as refusal:
        return JsonResponse({"detail": str(refusal)}, status=404)
    response = JsonResponse(proof, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="proof-{comment.tracking_number}.json"'
    response["X-Robots-Tag"] = "noindex"
    return response


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
