"""A comment taken out of public view through the private link of its receipt e-mail: disputed
by the owner of its address ("this wasn't me"), or withdrawn by its sender before the close;
and put back only by staff, with a reason.

The link is a signed token (as the unsubscribe link, ``consult.delivery.notifications``), with
a salt of its own: no sign-in, and nothing to guess. Each step writes one Transition row; the
comment's leaf stays in the comment record whatever happens to it here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consult.models import Comment
from consult.workflow.transitions import lock
from core.errors import InvalidTransition, require_permission
from occupations.models import Transition

if TYPE_CHECKING:
    from core.errors import Actor

# Part of every private link already sent: changing it would break them all.
SALT = "consult.comments.private-link"


def token(comment_pk: int) -> str:
    return signing.dumps({"c": comment_pk}, salt=SALT, compress=True)


def private_url(comment_pk: int, site_url: str = "") -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("comment-private-link", kwargs={"token": token(comment_pk)})


def read_token(value: str) -> Comment | None:
    """The comment a private link is for, or None when the link was not made here."""
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    return Comment.objects.select_related("consultation").filter(pk=data["c"]).first()


def _take_out(comment: Comment, kind: str, *, now: dt.datetime, action: str, note: str) -> Comment:
    with transaction.atomic():
        locked = lock(Comment, comment.pk)
        if locked.withdrawal:
            raise InvalidTransition(
                _("Comment %(number)s is already out of public view (%(why)s).")
                % {"number": locked.tracking_number, "why": locked.get_withdrawal_display()}
            )
        locked.withdrawal = kind
        locked.withdrawn_at = now
        locked.save(update_fields=["withdrawal", "withdrawn_at", "updated_at"])
        Transition.objects.record(
            locked, action=action, source="", target=kind, by=None, at=now, note=note
        )
    return locked


def dispute(comment: Comment, *, now: dt.datetime) -> Comment:
    """ "This wasn't me": the owner of the comment's address says they did not send it. It
    leaves every public view at once and is counted as withdrawn as misattributed."""
    return _take_out(
        comment,
        Comment.Withdrawal.MISATTRIBUTED,
        now=now,
        action="dispute",
        note=_("Disputed through the private link of the receipt e-mail."),
    )


def withdraw(comment: Comment, *, now: dt.datetime) -> Comment:
    """The sender withdraws their own comment; only while the window is open."""
    if not comment.consultation.is_open_for_comments(now):
        raise InvalidTransition(
            _(
                "The comment window has closed: a comment can no longer be withdrawn. If you "
                "did not send it, say so instead."
            )
        )
    return _take_out(
        comment,
        Comment.Withdrawal.BY_AUTHOR,
        now=now,
        action="withdraw",
        note=_("Withdrawn by its sender through the private link of the receipt e-mail."),
    )


def reinstate(comment: Comment, *, by: Actor, reason: str, now: dt.datetime) -> Comment:
    """Staff put a disputed or withdrawn comment back, with a reason (requires
    ``consult.moderate_comment``)."""
    require_permission(by, "consult.moderate_comment", _("reinstate a withdrawn comment"))
    if not reason or not reason.strip():
        raise InvalidTransition(_("Give a reason for putting the comment back."), field="reason")
    with transaction.atomic():
        locked = lock(Comment, comment.pk)
        if not locked.withdrawal:
            raise InvalidTransition(
                _("Comment %(number)s is neither disputed nor withdrawn.")
                % {"number": locked.tracking_number}
            )
        source = locked.withdrawal
        locked.withdrawal = Comment.Withdrawal.NONE
        locked.withdrawn_at = None
        locked.save(update_fields=["withdrawal", "withdrawn_at", "updated_at"])
        Transition.objects.record(
            locked, action="reinstate", source=source, target="", by=by, at=now, note=reason.strip()
        )
    return locked


def unknown_action_message() -> str:
    return _("Choose one of the buttons: “This wasn't me” or “Withdraw my comment”.")
