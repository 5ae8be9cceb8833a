"""Campaigns in the comment admin: a consultation's comments whose texts are the same or nearly
the same (``consult.clustering``; ``Comment.objects.campaigns()``), listed largest first; one
campaign's page with its representative text, every member's differences from it and the
organisations among its senders; moderation, one disposition and reply for a whole campaign,
and taking one member out of it. A campaign is always one consultation's: its key is its
representative comment, and an action on it reaches exactly its members.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext

from consult import clustering
from consult.admin.confirm import permitted, refusal
from consult.admin.forms import DispositionForm
from consult.models import Comment, Consultation
from consult.reporting.textdiff import merged
from core.errors import WorkflowError
from occupations.admin.registry import parse_pk

MEMBERS_PER_PAGE = 50
MODERATION = ("publish", "hide", "mark_spam")


def organisations(members) -> list[tuple[str, int]]:
    """``(organisation, comments)`` among a campaign's senders, most comments first."""
    rows = (
        members.exclude(organisation="")
        .order_by()
        .values_list("organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation")
    )
    return list(rows[:50])


class CampaignsMixin:
    """The campaign pages of ``CommentAdmin``; its ``set_disposition`` and ``_moderate``
    record the steps."""

    def campaign_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("campaigns/", view(self.campaigns_view), name="consult_comment_campaigns"),
            path(
                "campaigns/<int:cluster>/",
                view(self.campaign_view),
                name="consult_comment_campaign",
            ),
            path(
                "campaigns/<int:cluster>/disposition/",
                view(self.campaign_disposition_view),
                name="consult_comment_campaign_disposition",
            ),
            path(
                "campaigns/<int:cluster>/moderate/<str:action>/",
                view(self.campaign_moderate_view),
                name="consult_comment_campaign_moderate",
            ),
            path(
                "campaigns/<int:cluster>/take-out/<int:pk>/",
                view(self.campaign_take_out_view),
                name="consult_comment_campaign_take_out",
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
            first=Min("submitted_at"),
            pending=Count("pk", filter=Q(disposition=Comment.Disposition.PENDING)),
            received=Count("pk", filter=Q(status=Comment.Status.RECEIVED)),
        )
        page = Paginator(campaigns, 100).get_page(request.GET.get("p"))
        titles = Consultation.objects.in_bulk({row["consultation_id"] for row in page})
        samples = dict(
            Comment.objects.filter(pk__in=[row["cluster_id"] for row in page]).values_list(
                "pk", "body"
            )
        )
        for row in page:
            row["consultation"] = titles[row["consultation_id"]]
            row["sample"] = samples.get(row["cluster_id"], "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Campaigns"),
            "page": page,
            "consultation": "" if consultation is None else str(consultation),
            "consultations": Consultation.objects.public().order_by("-opens_at"),
            "explanation": clustering.explanation(),
            "can_set_disposition": self.has_disposition_permission(request),
        }
        return TemplateResponse(request, "admin/consult/comment/campaigns.html", context)

    def _campaign(self, cluster: int) -> tuple[Comment, object]:
        """The representative and the members of campaign ``cluster`` (404 if none)."""
        representative = get_object_or_404(
            Comment.objects.select_related("consultation"), pk=cluster, cluster_id=cluster
        )
        return representative, Comment.objects.of_campaign(representative)

    def campaign_view(self, request, cluster: int):
        """One campaign: representative, members with their differences, organisations."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        representative, members = self._campaign(cluster)
        page = Paginator(
            members.select_related("occupation").order_by("submitted_at", "pk"), MEMBERS_PER_PAGE
        ).get_page(request.GET.get("p"))
        rows = []
        for member in page:
            same = member.pk == representative.pk or member.body == representative.body
            segments = [] if same else merged(representative.body, member.body)
            rows.append({"comment": member, "segments": segments})
        counts = members.order_by().aggregate(
            size=Count("pk"),
            spam=Count("pk", filter=Q(status=Comment.Status.SPAM)),
            pending=Count("pk", filter=Q(disposition=Comment.Disposition.PENDING)),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Campaign of %(n)s comments") % {"n": counts["size"]},
            "representative": representative,
            "counts": counts,
            "rows": rows,
            "page": page,
            "organisations": organisations(members),
            "explanation": clustering.explanation(),
            "can_moderate": self.has_moderate_permission(request),
            "can_set_disposition": self.has_disposition_permission(request),
            "moderation": [(name, self.step(name).label) for name in MODERATION],
            "back": reverse("admin:consult_comment_campaigns")
            + f"?consultation={representative.consultation_id}",
        }
        return TemplateResponse(request, "admin/consult/comment/campaign.html", context)

    def campaign_disposition_view(self, request, cluster: int):
        """One disposition and reply for every (non-spam) comment of one campaign."""
        back = reverse("admin:consult_comment_campaign", args=[cluster])
        if not permitted(request, self, self.step("set_disposition")):
            return HttpResponseRedirect(back)
        representative, members = self._campaign(cluster)
        members = members.not_spam()
        form = DispositionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            self.set_disposition(request, members, form.cleaned_data)
            return HttpResponseRedirect(back)
        count = members.count()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Disposition for a campaign of %(n)s comments") % {"n": count},
            "sample": representative,
            "count": count,
            "form": form,
            "consultation": representative.consultation,
            "back": back,
        }
        return TemplateResponse(request, "admin/consult/comment/campaign_disposition.html", context)

    def campaign_moderate_view(self, request, cluster: int, action: str):
        """Publish, hide or mark as spam every comment of one campaign (POST only)."""
        back = reverse("admin:consult_comment_campaign", args=[cluster])
        if request.method != "POST" or action not in MODERATION:
            return HttpResponseRedirect(back)
        if not permitted(request, self, self.step(action)):
            return HttpResponseRedirect(back)
        _representative, members = self._campaign(cluster)
        self._moderate(request, members, action)
        return HttpResponseRedirect(back)

    def campaign_take_out_view(self, request, cluster: int, pk: int):
        """Take one member out of the campaign for good (POST only)."""
        back = reverse("admin:consult_comment_campaign", args=[cluster])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        _representative, members = self._campaign(cluster)
        comment = get_object_or_404(members, pk=pk)
        # Taking the representative out hands the campaign to its earliest other member.
        heir = members.exclude(pk=pk).order_by("pk").values_list("pk", flat=True).first()
        try:
            comment = clustering.take_out_of_campaign(comment, by=request.user, now=timezone.now())
        except WorkflowError as exc:
            refusal(request, self, exc)
            return HttpResponseRedirect(back)
        self.message_user(
            request,
            gettext("Comment %(number)s is no longer part of the campaign.")
            % {"number": comment.tracking_number},
        )
        if comment.pk == cluster and heir is not None:
            back = reverse("admin:consult_comment_campaign", args=[heir])
        return HttpResponseRedirect(back)
