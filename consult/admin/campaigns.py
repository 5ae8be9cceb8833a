"""Campaigns in the comment admin: comments of one consultation with the same normalised text
(``Comment.objects.campaigns()``), listed largest first, and one disposition for a whole
campaign. A campaign is always a consultation and a fingerprint: the same text sent to two
consultations is two campaigns, and a campaign's disposition never reaches the other one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from consult.admin.confirm import permitted
from consult.admin.forms import DispositionForm
from consult.models import Comment, Consultation
from occupations.admin import parse_pk


class CampaignsMixin:
    """The campaign pages of ``CommentAdmin``; its ``set_disposition`` records the disposition."""

    def campaign_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("campaigns/", view(self.campaigns_view), name="consult_comment_campaigns"),
            path(
                "campaigns/<int:consultation>/<str:fingerprint>/disposition/",
                view(self.campaign_disposition_view),
                name="consult_comment_campaign_disposition",
            ),
        ]

    def campaigns_view(self, request):
        """Campaigns as one row each, largest first; ``?consultation=`` keeps one
        consultation's."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        comments = Comment.objects.all()
        consultation = parse_pk(request.GET.get("consultation"))
        if consultation is not None:
            comments = comments.filter(consultation_id=consultation)
        campaigns = comments.campaigns().annotate(
            sample=Min("body"),
            first=Min("submitted_at"),
            pending=Count("pk", filter=Q(disposition=Comment.Disposition.PENDING)),
            received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
        )
        page = Paginator(campaigns, 100).get_page(request.GET.get("p"))
        titles = Consultation.objects.in_bulk({row["consultation_id"] for row in page})
        for row in page:
            row["consultation"] = titles[row["consultation_id"]]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Campaigns"),
            "page": page,
            "consultation": "" if consultation is None else str(consultation),
            "consultations": Consultation.objects.public().order_by("-opens_at"),
            "changelist_url": reverse("admin:consult_comment_changelist"),
            "can_set_disposition": self.has_disposition_permission(request),
        }
        return TemplateResponse(request, "admin/consult/comment/campaigns.html", context)

    def campaign_disposition_view(self, request, consultation: int, fingerprint: str):
        """One disposition and reply for every (non-spam) comment of one consultation's
        campaign."""
        back = reverse("admin:consult_comment_campaigns")
        if not permitted(request, self, self.step("set_disposition")):
            return HttpResponseRedirect(back)
        consultation = get_object_or_404(Consultation, pk=consultation)
        back += f"?consultation={consultation.pk}"
        members = Comment.objects.of_campaign(consultation, fingerprint).not_spam()
        if not members.exists():
            raise Http404(gettext("No such campaign."))
        form = DispositionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            self.set_disposition(request, members, form.cleaned_data)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Disposition for a campaign of %(n)s comments")
            % {"n": members.count()},
            "sample": members.order_by("submitted_at").first(),
            "count": members.count(),
            "form": form,
            "consultation": consultation,
            "back": back,
        }
        return TemplateResponse(request, "admin/consult/comment/campaign_disposition.html", context)
