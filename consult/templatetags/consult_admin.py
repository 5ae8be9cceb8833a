"""What the admin index shows staff first: steps that are due and comments waiting."""

from __future__ import annotations

from django import template
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_fsm import has_transition_perm

from consult.models import Comment, Consultation

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_attention(context) -> dict:
    """Consultations whose window has closed but whose review has not begun, and comments
    awaiting moderation per consultation; each shown only to staff who may act on or see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    result: dict = {"awaiting_review": [], "awaiting_moderation": [], "any": False}
    if user is None or not user.is_active or not user.is_staff:
        return result
    now = timezone.now()
    if user.has_perm("consult.view_consultation"):
        result["awaiting_review"] = [
            {
                "consultation": consultation,
                "url": has_transition_perm(consultation.begin_review, user)
                and reverse("admin:consult_consultation_begin_review", args=[consultation.pk]),
                "change_url": reverse("admin:consult_consultation_change", args=[consultation.pk]),
            }
            for consultation in Consultation.objects.awaiting_review(now).order_by("closes_at")
        ]
    if user.has_perm("consult.view_comment"):
        rows = (
            Comment.objects.awaiting_moderation()
            .order_by()
            .values("consultation_id", "consultation__title")
            .annotate(n=Count("pk"))
            .order_by("consultation__title")
        )
        changelist = reverse("admin:consult_comment_changelist")
        result["awaiting_moderation"] = [
            {
                "title": row["consultation__title"],
                "count": row["n"],
                "url": f"{changelist}?status__exact=received"
                f"&consultation__id__exact={row['consultation_id']}",
            }
            for row in rows
        ]
    result["any"] = bool(result["awaiting_review"] or result["awaiting_moderation"])
    return result
