"""Public pages about comments: the comment POST, the receipt, the tracking-number lookup and
the search in a consultation's published comments."""

from __future__ import annotations

import datetime as dt
import math
import re

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from consult.intake import store as intake
from consult.intake.form import HONEYPOT_FIELD, CommentForm
from consult.models import Comment, Consultation, normalise_tracking_number
from consult.models.comments import TRACKING_NUMBER_PATTERN
from consult.public.forms import CommentSearchForm
from consult.public.views import consultation_page, public_consultation, public_drafts
from core import ratelimit
from core.clients import client_ip, request_started_at

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
    consultation = public_consultation(slug)
    return consultation_page(
        request,
        consultation,
        now=now,
        drafts=public_drafts(consultation),
        form=form,
        refusal=refusal,
        status=status,
    )


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
