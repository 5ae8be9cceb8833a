"""The "decide the drafts" table of a consultation: one row per draft, where an editor sets the
proposed code and accepts, withdraws (with a reason) or reinstates each draft, seeing beside it
what still stops publication (``publication_problems``). One POST, one call of
``decide_drafts``: all rows change or none.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consult.admin.handoffs import problem_rows
from consult.models import Consultation, DraftOccupation
from consult.workflow.drafts import DecisionRefused, DraftDecision, decide_drafts
from occupations.models import validate_occupation_code

DECIDE_PERMISSIONS = ("consult.accept_draft", "consult.withdraw_draft")


class DecisionForm(forms.Form):
    """One draft's row. Nothing is preselected: a row left as it is changes nothing."""

    decision = forms.ChoiceField(label=_("decision"), required=False)
    proposed_code = forms.CharField(
        label=_("proposed code"),
        required=False,
        max_length=11,
        validators=[validate_occupation_code],
        widget=forms.TextInput(attrs={"size": 11, "placeholder": "D-DD-DD-DD"}),
    )
    reason = forms.CharField(
        label=_("internal note on the withdrawal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
    )
    public_explanation = forms.CharField(
        label=_("public explanation of the withdrawal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
    )

    def __init__(self, *args, draft: DraftOccupation, **kwargs):
        kwargs.setdefault("initial", {"proposed_code": draft.proposed_code})
        super().__init__(*args, **kwargs)
        self.draft = draft
        choices = [("", gettext("— leave as it is —"))]
        if draft.status == DraftOccupation.Status.PROPOSED:
            choices.append(("accept", gettext("Accept")))
        if draft.status != DraftOccupation.Status.WITHDRAWN:
            choices.append(("withdraw", gettext("Withdraw")))
        else:
            choices.append(("reinstate", gettext("Reinstate")))
        self.fields["decision"].choices = choices
        if draft.status == DraftOccupation.Status.WITHDRAWN:
            self.fields["proposed_code"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("decision") == "withdraw" and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Give a reason for the withdrawal."))
        return data

    def to_decision(self) -> DraftDecision | None:
        data = self.cleaned_data
        code = None if self.fields["proposed_code"].disabled else data["proposed_code"]
        if not data["decision"] and (code is None or code == self.draft.proposed_code):
            return None
        return DraftDecision(
            draft=self.draft,
            decision=data["decision"],
            code=code,
            reason=data["reason"],
            public_explanation=data["public_explanation"],
        )


class DecideDraftsMixin:
    """A ConsultationAdmin mixin: ``<pk>/decide/``, the table of the module docstring."""

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="consult_consultation_decide",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def may_decide(user) -> bool:
        return any(user.has_perm(p) for p in DECIDE_PERMISSIONS)

    def decide_view(self, request, pk: int):
        consultation = get_object_or_404(Consultation, pk=pk)
        if not self.has_view_permission(request, consultation) or not self.may_decide(request.user):
            raise PermissionDenied
        change_url = reverse("admin:consult_consultation_change", args=[pk])
        if consultation.status != Consultation.Status.REVIEW:
            self.message_user(
                request,
                gettext(
                    "Drafts are decided during review; “%(title)s” is %(status)s. While "
                    "drafting, edit the drafts on the consultation's page."
                )
                % {"title": consultation.title, "status": consultation.get_status_display()},
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        drafts = list(consultation.drafts.in_order().select_related("consultation"))
        data = request.POST if request.method == "POST" else None
        rows = [DecisionForm(data, draft=d, prefix=f"draft-{d.pk}") for d in drafts]
        if data is not None and all(f.is_valid() for f in rows):
            decisions = [d for f in rows if (d := f.to_decision()) is not None]
            try:
                changed = decide_drafts(consultation, by=request.user, decisions=decisions)
            except DecisionRefused as exc:
                form = next(f for f in rows if f.draft.pk == exc.draft.pk)
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                message = ngettext(
                    "%(n)s draft decided.", "%(n)s drafts decided.", len(changed)
                ) % {"n": len(changed)}
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        return self.render_decide(request, consultation, rows, change_url)

    def render_decide(self, request, consultation, rows, change_url):
        problems: dict[int | None, list[dict]] = {}
        for row in problem_rows(consultation):
            problems.setdefault(row["draft"].pk if row["draft"] else None, []).append(row)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": consultation,
            "consultation": consultation,
            "title": gettext("Decide the drafts: %(title)s") % {"title": consultation.title},
            "rows": [(form, problems.get(form.draft.pk, [])) for form in rows],
            "general_problems": problems.get(None, []),
            "change_url": change_url,
            "has_errors": any(form.errors for form in rows),
        }
        return TemplateResponse(request, "admin/consult/consultation/decide.html", context)
