"""One verdict for taking a comment: whether what arrived is taken or refused, and how.

``take_comment`` runs the whole ladder once, for the public form and the keyed API alike, in
this order:

1. the target: the public consultation and the chosen draft, in one query (404 without one);
2. for the public form only, the client's rate limit (429) and the honeypot (a decoy: the
   thank-you page, nothing stored). A keyed submission is throttled per key by the API and has
   no honeypot;
3. the window at the moment the request arrived (403);
4. the form's checks (``consult.intake.form``; 400, each message on its field);
5. storing (``consult.intake.store.submit_comment``).

Refusals store nothing. The rate limit counts stored comments and honeypot hits only, so that a
person correcting a form is not charged for each try. The page (``consult.public.comments``)
and the API (``consult.api.comments``) each render the ``Verdict`` once (docs/architecture.md,
"How a comment travels").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from consult.intake.form import (
    COMMENT_INPUTS,
    HONEYPOT_FIELD,
    SUBMISSION_TOKEN_FIELD,
    SUBMISSION_TOKEN_PATTERN,
    ApiCommentForm,
    CommentForm,
)
from consult.intake.store import (
    KeyedSubmission,
    Sender,
    Target,
    comments_sent_since,
    submit_comment,
)
from consult.models import (
    ApiKey,
    Comment,
    Consultation,
    ConsultationQuerySet,
    DraftOccupation,
    comment_fingerprint,
)
from core import ratelimit
from core.clients import client_key, hash_ip
from core.errors import InvalidTransition

RATE_LIMIT_SCOPE = "comment"


class Outcome(StrEnum):
    """What became of a submission."""

    TAKEN = "taken"
    DECOY = "decoy"  # the honeypot was filled: thanked, not stored
    RATE_LIMITED = "rate_limited"
    WINDOW_NOT_OPEN = "window_not_open"  # closed, or not yet open
    INVALID = "invalid"
    NOT_FOUND = "not_found"  # no such public consultation


@dataclass(frozen=True)
class Submission:
    """What arrived: the fields (``data``) and ``files`` of a comment on the consultation
    ``slug``, why the upload handler stopped reading the files if it did, the moment the request
    arrived (``now``) and who sent it. A keyed submission (through the API) also has its
    ``api_key`` and the client's ``Idempotency-Key`` with a hash of the request."""

    slug: str
    data: Mapping[str, Any]
    files: MultiValueDict
    now: dt.datetime
    sender: Sender
    upload_refusal: ValidationError | None = None
    api_key: ApiKey | None = None
    idempotency_key: str = ""
    request_fingerprint: str = ""


@dataclass(frozen=True)
class Verdict:
    """What became of a submission: its ``outcome`` and HTTP ``status``; the stored
    ``comment`` when taken; otherwise the ``refusal`` message for the sender, the ``errors``
    by field, and the ``form`` to show again (bound, with its errors, or filled with what was
    typed); ``retry_after`` seconds when rate-limited."""

    outcome: Outcome
    status: int
    target: Target | None = None
    comment: Comment | None = None
    refusal: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    form: CommentForm | None = None
    retry_after: int = 0


# What a person typed stays out of error reports (the debug page, mails to ADMINS).
@sensitive_variables("submission", "form")
def take_comment(submission: Submission) -> Verdict:
    """Take ``submission`` if the ladder above lets it through (storing it), or say why not
    (storing nothing)."""
    target = read_target(submission.slug, str(submission.data.get("occupation") or ""))
    if target is None:
        return Verdict(Outcome.NOT_FOUND, status=404)
    public = submission.api_key is None
    if public:
        earlier = _earlier_submission(submission, target)
        if earlier is not None:
            return Verdict(Outcome.TAKEN, status=201, target=target, comment=earlier)
        turned_away = _turned_away(submission, target)
        if turned_away is not None:
            return turned_away
    refusal = window_refusal(target.consultation, submission.now, text_kept=public)
    if refusal:
        return _window_not_open(submission, target, refusal)
    form_class = CommentForm if public else ApiCommentForm
    form = form_class.checked(
        submission.data,
        submission.files,
        target=target,
        upload_refusal=submission.upload_refusal,
    )
    if form.errors:
        return _invalid(form)
    return _stored(submission, form)


@sensitive_variables("submission")
def _earlier_submission(submission: Submission, target: Target) -> Comment | None:
    """The comment already stored from this very submission (the same form's token and the
    same text), when this is a resend: its receipt is the answer, nothing is stored again. One
    query, only when a well-formed token came with the form."""
    token = str(submission.data.get(SUBMISSION_TOKEN_FIELD) or "")
    if not re.fullmatch(SUBMISSION_TOKEN_PATTERN, token):
        return None
    return _same_submission(token, str(submission.data.get("body") or ""), submission.sender.ip)


def _same_submission(token: str, body: str, ip: str) -> Comment | None:
    """The comment stored with ``token`` if it has the text ``body`` and came from the same
    client: a page kept by a browser's cache and sent again by someone else, or with another
    text, is not the same submission."""
    earlier = (
        Comment.objects.filter(submission_token=token, ip_hash=hash_ip(client_key(ip)))
        .only("pk", "tracking_number", "fingerprint")
        .first()
    )
    if earlier is None or earlier.fingerprint != comment_fingerprint(body):
        return None
    return earlier


@sensitive_variables("submission")
def _turned_away(submission: Submission, target: Target) -> Verdict | None:
    """The public form's refusals before the window: the client's rate limit, the honeypot."""
    ip, rate = submission.sender.ip, ratelimit.comment_rate()
    limit = ratelimit.check(
        RATE_LIMIT_SCOPE, ip, rate, fallback=lambda since: comments_sent_since(ip, since)
    )
    if not limit.allowed:
        return Verdict(
            Outcome.RATE_LIMITED,
            status=429,
            target=target,
            refusal=_rate_limited(limit.retry_after, files_sent=bool(submission.files)),
            form=CommentForm.keeping(submission.data, target=target),
            retry_after=limit.retry_after,
        )
    if str(submission.data.get(HONEYPOT_FIELD, "")).strip():
        ratelimit.charge(RATE_LIMIT_SCOPE, ip, rate)
        return Verdict(Outcome.DECOY, status=200, target=target)
    return None


@sensitive_variables("submission")
def _window_not_open(submission: Submission, target: Target, refusal: str) -> Verdict:
    public = submission.api_key is None
    kept = CommentForm.keeping(submission.data, target=target) if public else None
    return Verdict(Outcome.WINDOW_NOT_OPEN, status=403, target=target, refusal=refusal, form=kept)


def _invalid(form: CommentForm) -> Verdict:
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    return Verdict(Outcome.INVALID, status=400, target=form.target, errors=errors, form=form)


@sensitive_variables("submission", "form", "cleaned", "inputs")
def _stored(submission: Submission, form: CommentForm) -> Verdict:
    """Store what ``form`` cleaned; a public comment counts against its client's limit."""
    cleaned = form.cleaned_data
    keyed = None
    if submission.api_key is not None:
        keyed = KeyedSubmission(
            api_key=submission.api_key,
            signatures=cleaned["signatures"],
            idempotency_key=submission.idempotency_key,
            request_fingerprint=submission.request_fingerprint,
        )
    inputs = {name: cleaned[name] for name in COMMENT_INPUTS}
    token = cleaned.get(SUBMISSION_TOKEN_FIELD) or ""
    try:
        try:
            comment = submit_comment(
                form.target,
                now=submission.now,
                **inputs,
                sender=submission.sender,
                keyed=keyed,
                submission_token=token,
            )
        except IntegrityError:
            if not token:
                raise
            # The token is taken: by the same submission sent twice at once (its receipt is
            # the answer), or by another text sent from a form reused with the back button
            # (stored as a comment of its own, without the token).
            earlier = _same_submission(token, inputs["body"], submission.sender.ip)
            if earlier is not None:
                return Verdict(Outcome.TAKEN, status=201, target=form.target, comment=earlier)
            comment = submit_comment(
                form.target, now=submission.now, **inputs, sender=submission.sender, keyed=keyed
            )
    except InvalidTransition as refused:
        # submit_comment checks the window and the draft again, on the rows read above and at
        # the same moment: it refuses only if its rules and the ladder's ever part.
        if refused.field:
            form.add_error(refused.field, refused.message)
            return _invalid(form)
        return _window_not_open(submission, form.target, refused.message)
    if keyed is None:
        ratelimit.charge(RATE_LIMIT_SCOPE, submission.sender.ip, ratelimit.comment_rate())
    return Verdict(Outcome.TAKEN, status=201, target=form.target, comment=comment)


def _rate_limited(retry_after: int, *, files_sent: bool) -> str:
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
    if files_sent:
        refusal += " " + _("Files are not kept: please choose them again.")
    return refusal


# Reading what a comment is about --------------------------------------------------------------


def read_consultation(slug: str) -> Consultation | None:
    """The public consultation ``slug``, or None."""
    try:
        return Consultation.objects.public().get(slug=slug)
    except Consultation.DoesNotExist:
        return None


def read_target(slug: str, occupation: str = "") -> Target | None:
    """The public consultation ``slug`` and, if ``occupation`` is the id of one of its active
    drafts (written as Python writes the number: digits, no leading zero), that draft, read
    with its consultation in one query; None when there is no such consultation. An
    ``occupation`` that names no such draft gives a target without a draft (the form then
    refuses it)."""
    if occupation.isascii() and occupation.isdigit() and not occupation.startswith("0"):
        drafts = (
            DraftOccupation.objects.active()
            .select_related("consultation")
            .filter(ConsultationQuerySet.public_condition("consultation__"))
        )
        try:
            draft = drafts.get(pk=int(occupation), consultation__slug=slug)
        except DraftOccupation.DoesNotExist:
            pass
        else:
            return Target(draft.consultation, draft)
    consultation = read_consultation(slug)
    return None if consultation is None else Target(consultation)


def window_refusal(consultation: Consultation, now: dt.datetime, *, text_kept: bool) -> str:
    """Why ``consultation`` takes no comment at ``now``, for whoever sent one; empty while its
    window is open. With ``text_kept`` (the page, which shows the form again), also that the
    text is kept below."""
    state = consultation.state(now)
    if state == Consultation.State.OPEN:
        return ""
    if state == Consultation.State.SCHEDULED and consultation.opens_at is not None:
        refusal = _(
            "Your comment was not sent: comments are accepted from %(opens_at)s (Beijing time)."
        ) % {"opens_at": _to_the_second(consultation.opens_at)}
        kept = _("Your text is kept below.")
    else:
        refusal = _(
            "Your comment was not sent: the consultation closed at %(closes_at)s (Beijing time)."
        ) % {"closes_at": _to_the_second(consultation.closes_at)}
        kept = _("Your text is kept below so that you can copy it.")
    return f"{refusal} {kept}" if text_kept else refusal


def _to_the_second(value: dt.datetime | None) -> str:
    # The person needs to see that the boundary has passed. A public consultation always has
    # its window (consultation_window_set_once_public).
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""
