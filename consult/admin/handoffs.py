"""Who acts next on a consultation: the handoff panel of its change form.

Each status names the role that must act and what it must do; during review every
``publication_problems`` entry links to the page where it is solved (its draft, or the
"decide the drafts" table) and names the role that solves it. The panel reads the same rules
the workflow enforces (``Consultation.*_refusal``, ``publication_problems``), so it never
promises a step the workflow would refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from consult.models import Comment, Consultation
from consult.staff.roles import EDITORS, MODERATORS, PUBLISHERS, ROLE_LABELS
from consult.workflow.publication import publication_problems


@dataclass
class Handoff:
    """What the panel shows: the role that acts next and what it must do, and the problems
    that stop publication (each with the role that solves it and a link)."""

    role: str
    message: str
    problems: list[dict] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def decide_url(consultation: Consultation) -> str:
    return reverse("admin:consult_consultation_decide", args=[consultation.pk])


def comments_url(consultation: Consultation, **filters: str) -> str:
    query = "&".join(
        f"{k}={v}" for k, v in {"consultation__id__exact": consultation.pk, **filters}.items()
    )
    return reverse("admin:consult_comment_changelist") + "?" + query


def problem_rows(consultation: Consultation) -> list[dict]:
    """``publication_problems`` as the panel and the publish page show them: the message,
    the role that must act, and where it is done."""
    rows = []
    for problem in publication_problems(consultation):
        if problem.draft is not None:
            url = reverse("admin:consult_draftoccupation_change", args=[problem.draft.pk])
        else:
            url = decide_url(consultation)
        rows.append(
            {
                "message": problem.message,
                "role": str(ROLE_LABELS[problem.role]),
                "url": url,
                "draft": problem.draft,
            }
        )
    return rows


def comments_needing_attention(consultation: Consultation) -> dict[str, int]:
    """Comments not yet moderated, and moderated comments (not spam) with no disposition."""
    return consultation.comments.aggregate(
        unmoderated=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
        undecided=Count(
            "pk",
            filter=Q(disposition=Comment.Disposition.PENDING)
            & ~Q(status__in=[Comment.Status.SPAM, Comment.Status.RECEIVED]),
        ),
    )


def _drafting(consultation: Consultation, now: dt.datetime) -> Handoff:
    refusal = consultation.open_refusal(now)
    if refusal is None:
        return Handoff(
            PUBLISHERS,
            gettext("The draft list is ready: a publisher opens the consultation to the public."),
        )
    return Handoff(
        EDITORS if refusal.field is None else PUBLISHERS,
        gettext("Before the consultation can open: %(reason)s") % {"reason": refusal.message},
    )


def _consultation(consultation: Consultation, now: dt.datetime) -> Handoff:
    counts = comments_needing_attention(consultation)
    links = [
        (comments_url(consultation, status__exact="received"), gettext("Comments to moderate"))
    ]
    if consultation.begin_review_refusal(now) is None:
        return Handoff(
            PUBLISHERS,
            gettext("Comments closed at %(at)s: a publisher begins the review.")
            % {"at": _local(consultation.closes_at)},
            links=links,
        )
    return Handoff(
        MODERATORS,
        ngettext(
            "Comments are accepted until %(at)s. %(n)s comment awaits moderation.",
            "Comments are accepted until %(at)s. %(n)s comments await moderation.",
            counts["unmoderated"],
        )
        % {"at": _local(consultation.closes_at), "n": counts["unmoderated"]},
        links=links,
    )


def _review(consultation: Consultation, now: dt.datetime) -> Handoff:
    problems = problem_rows(consultation)
    links = [(decide_url(consultation), gettext("Decide the drafts"))]
    if problems:
        return Handoff(
            EDITORS,
            ngettext(
                "Publication waits for the editors: %(n)s problem to solve.",
                "Publication waits for the editors: %(n)s problems to solve.",
                len(problems),
            )
            % {"n": len(problems)},
            problems=problems,
            links=links,
        )
    return Handoff(
        PUBLISHERS,
        gettext("Every draft is decided: a publisher publishes the batch."),
        links=links,
    )


def handoff(consultation: Consultation, now: dt.datetime) -> Handoff:
    """Who acts next on ``consultation`` at ``now``, and what they must do."""
    if consultation.status == Consultation.Status.DRAFTING:
        return _drafting(consultation, now)
    if consultation.status == Consultation.Status.CONSULTATION:
        return _consultation(consultation, now)
    if consultation.status == Consultation.Status.REVIEW:
        return _review(consultation, now)
    batch = consultation.batch
    return Handoff(
        PUBLISHERS,
        gettext("Published as “%(batch)s”. Nothing is left to do.") % {"batch": batch},
        links=[(reverse("batch-detail", kwargs={"slug": batch.slug}), gettext("The batch"))]
        if batch
        else [],
    )
