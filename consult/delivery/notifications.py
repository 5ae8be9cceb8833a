"""Notifications by e-mail, written to the outbox (``consult.delivery.outbox``) in the transaction
of the step that causes them, each in its recipient's language and with a link that unsubscribes
without signing in.

Who gets what:

- moderators: a daily digest of the comments received per open consultation (the
  ``moderation_digest`` schedule);
- publishers: when a consultation's window has closed and its review begun, and once every
  draft is decided so that it can be published;
- editors: when the review begins while drafts still stop publication, with the list;
- commenters who asked to be told: when their comment gets a reply, and when the final report
  is published.

Staff are the active members of the role's group with an address, less those who
unsubscribed from that kind (``StaffMailSettings``); a commenter's link turns
``notify_replies`` off for that comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consult.delivery import outbox
from consult.models import Comment, Consultation, OutgoingMail, StaffMailSettings
from consult.staff.roles import EDITORS, MODERATORS, PUBLISHERS

Kind = OutgoingMail.Kind
# Part of every unsubscribe link already sent: changing it would break them all.
SALT = "consult.notifications.unsubscribe"

# Which role receives each staff notification.
STAFF_KINDS: dict[str, str] = {
    Kind.MODERATION_DIGEST: MODERATORS,
    Kind.WINDOW_CLOSED: PUBLISHERS,
    Kind.READY_TO_PUBLISH: PUBLISHERS,
    Kind.PUBLICATION_BLOCKED: EDITORS,
}


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def admin_url(name: str, *args: object, query: str = "") -> str:
    return site_url() + reverse(name, args=args) + (f"?{query}" if query else "")


# Unsubscribe tokens ---------------------------------------------------------------------------


def staff_token(user_pk: int, kind: str) -> str:
    return signing.dumps({"u": user_pk, "k": kind}, salt=SALT, compress=True)


def comment_token(comment_pk: int) -> str:
    return signing.dumps({"c": comment_pk}, salt=SALT, compress=True)


def read_token(token: str) -> dict | None:
    """What a token unsubscribes from, or None when it was not made here."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) else None


def unsubscribe(token: str) -> str | None:
    """Apply an unsubscribe token; what it stopped ("staff" or "comment"), or None for a bad
    token. Applying it twice changes nothing more."""
    value = read_token(token)
    if value is None:
        return None
    if "c" in value:
        Comment.objects.filter(pk=value["c"]).update(notify_replies=False)
        return "comment"
    user_pk = value.get("u")
    if (
        value.get("k") in STAFF_KINDS
        and user_pk is not None
        and get_user_model().objects.filter(pk=user_pk).exists()
    ):
        prefs, _ = StaffMailSettings.objects.get_or_create(user_id=user_pk)
        if value["k"] not in prefs.unsubscribed:
            prefs.unsubscribed = [*prefs.unsubscribed, value["k"]]
            prefs.save(update_fields=["unsubscribed"])
        return "staff"
    return None


def unsubscribe_url(token: str) -> str:
    return site_url() + reverse("unsubscribe", kwargs={"token": token})


# Writing ------------------------------------------------------------------------------------


def _write(
    *,
    kind: str,
    recipient: str,
    language: str,
    template: str,
    context: dict,
    token: str,
    now: dt.datetime,
    once_key: str = "",
) -> None:
    with translation.override(language):
        context = {**context, "unsubscribe_url": unsubscribe_url(token), "site_url": site_url()}
        text = render_to_string(f"emails/{template}.txt", context)
    subject, _, body = text.strip().partition("\n")
    outbox.write_mail(
        kind=kind,
        recipient=recipient,
        language=language,
        subject=subject.strip(),
        body=body.strip() + "\n",
        now=now,
        once_key=once_key,
    )


def staff_recipients(kind: str) -> list[tuple[int, str, str]]:
    """``(pk, address, language)`` of the staff who receive ``kind``."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=STAFF_KINDS[kind])
        .exclude(email="")
        .select_related("mail_settings")
        .distinct()
        .order_by("pk")
    )
    recipients = []
    for user in users:
        prefs = getattr(user, "mail_settings", None)
        if prefs is not None and kind in prefs.unsubscribed:
            continue
        language = prefs.language if prefs is not None else settings.LANGUAGE_CODE
        recipients.append((user.pk, user.email, language))
    return recipients


def _to_staff(kind: str, *, template: str, context: dict, now: dt.datetime, once: str = "") -> None:
    for pk, address, language in staff_recipients(kind):
        _write(
            kind=kind,
            recipient=address,
            language=language,
            template=template,
            context=context,
            token=staff_token(pk, kind),
            now=now,
            once_key=f"{once}:{pk}" if once else "",
        )


def review_begun(consultation: Consultation, *, now: dt.datetime, problems: list) -> None:
    """The window closed and the review began: publishers are told; editors too, with what
    they must decide, when drafts stop publication."""
    counts = consultation.comments.aggregate(
        total=Count("pk", filter=~Q(status=Comment.Status.SPAM)),
        received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
    )
    change = admin_url("admin:consult_consultation_change", consultation.pk)
    _to_staff(
        Kind.WINDOW_CLOSED,
        template="window_closed",
        context={"consultation": consultation, "counts": counts, "change_url": change},
        now=now,
        once=f"window_closed:{consultation.pk}",
    )
    if problems:
        _to_staff(
            Kind.PUBLICATION_BLOCKED,
            template="publication_blocked",
            context={
                "consultation": consultation,
                "problems": [p.message for p in problems],
                "decide_url": admin_url("admin:consult_consultation_decide", consultation.pk),
            },
            now=now,
            once=f"publication_blocked:{consultation.pk}",
        )


def ready_to_publish(consultation: Consultation, *, now: dt.datetime) -> None:
    """Every draft is decided: publishers are told, once per consultation."""
    _to_staff(
        Kind.READY_TO_PUBLISH,
        template="ready_to_publish",
        context={
            "consultation": consultation,
            "publish_url": admin_url("admin:consult_consultation_publish", consultation.pk),
        },
        now=now,
        once=f"ready_to_publish:{consultation.pk}",
    )


def moderation_digest(*, now: dt.datetime, period: dt.timedelta = dt.timedelta(days=1)) -> int:
    """To each moderator, the comments received in the last ``period`` per open consultation
    (with how many still await moderation); nothing when none arrived. How many mails."""
    since = now - period
    rows = list(
        Consultation.objects.open(now)
        .annotate(
            new=Count(
                "comments",
                filter=Q(comments__submitted_at__gte=since)
                & ~Q(comments__status=Comment.Status.SPAM),
            ),
            waiting=Count("comments", filter=Q(comments__status=Comment.Status.RECEIVED)),
        )
        .filter(new__gt=0)
        .order_by("closes_at", "pk")
    )
    if not rows:
        return 0
    changelist = site_url() + reverse("admin:consult_comment_changelist")
    items = [
        {
            "consultation": c,
            "new": c.new,
            "waiting": c.waiting,
            "url": f"{changelist}?consultation__id__exact={c.pk}&status__exact=received",
        }
        for c in rows
    ]
    recipients = staff_recipients(Kind.MODERATION_DIGEST)
    day = timezone.localdate(now).isoformat()
    for pk, address, language in recipients:
        _write(
            kind=Kind.MODERATION_DIGEST,
            recipient=address,
            language=language,
            template="moderation_digest",
            context={"items": items, "since": since},
            token=staff_token(pk, Kind.MODERATION_DIGEST),
            now=now,
            once_key=f"moderation_digest:{day}:{pk}",
        )
    return len(recipients)


# Commenters ---------------------------------------------------------------------------------


def _wants_mail(comment: Comment) -> bool:
    return comment.notify_replies and bool(comment.email) and comment.status != Comment.Status.SPAM


def replied(comment: Comment, *, now: dt.datetime) -> None:
    """The comment got a reply (or a changed one): its author is told, if they asked."""
    if not _wants_mail(comment) or not comment.reply:
        return
    _write(
        kind=Kind.REPLY,
        recipient=comment.email,
        language=comment.language or settings.LANGUAGE_CODE,
        template="comment_reply",
        context={
            "comment": comment,
            "consultation": comment.consultation,
            "receipt_url": site_url() + comment.get_absolute_url(),
        },
        token=comment_token(comment.pk),
        now=now,
    )


def report_published(consultation: Consultation, *, now: dt.datetime) -> None:
    """The consultation is published: each author who asked is told, one mail per comment."""
    comments: Iterable[Comment] = (
        consultation.comments.filter(notify_replies=True)
        .exclude(email="")
        .exclude(status=Comment.Status.SPAM)
    )
    report_url = site_url() + reverse("consultation-report", kwargs={"slug": consultation.slug})
    for comment in comments:
        _write(
            kind=Kind.REPORT_PUBLISHED,
            recipient=comment.email,
            language=comment.language or settings.LANGUAGE_CODE,
            template="report_published",
            context={
                "comment": comment,
                "consultation": consultation,
                "report_url": report_url,
                "receipt_url": site_url() + comment.get_absolute_url(),
            },
            token=comment_token(comment.pk),
            now=now,
            once_key=f"report_published:{comment.pk}",
        )
