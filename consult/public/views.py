"""Public pages of the consultation process: home, the list of consultations, and a
consultation's page with its draft list and comment form (``consultation_page``, which the
comment POST also renders when it refuses a comment). Views validate, call one workflow
function or QuerySet, and render."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from consult import commitment
from consult.intake.form import CommentForm
from consult.intake.store import Target
from consult.models import Comment, Consultation, DraftOccupation
from consult.reporting import textdiff
from occupations.models import Batch, ClassificationGroup
from staff.signin import second_factor_required

COMMENTS_PER_PAGE = 50


LATEST_BATCHES = 6


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
        state = consultation.state(now)
        if state is not None:  # None: no close, or no opening and not yet past the close
            by_state[state].append(consultation)
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


def public_consultation(slug: str) -> Consultation:
    return get_object_or_404(Consultation.objects.public().select_related("batch"), slug=slug)


def consultation_page(
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
            initial=preselected_part(request.GET, active), target=Target(consultation)
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
            "record_summary": (
                commitment.summary(consultation) if state == Consultation.State.CLOSED else None
            ),
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


def public_drafts(consultation: Consultation) -> list[DraftOccupation]:
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
        return consultation_page(
            request, consultation, now=timezone.now(), drafts=public_drafts(consultation)
        )
    if not may_preview(request):
        raise Http404
    response = consultation_page(
        request, consultation, now=timezone.now(), drafts=public_drafts(consultation), preview=True
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
