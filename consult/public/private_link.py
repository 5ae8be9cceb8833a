"""The private link of a receipt e-mail (``consult.workflow.withdrawal``): "this wasn't me",
and the sender's own withdrawal before the close. GET asks (mail scanners follow links; a GET
changes nothing), POST acts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from consult import commitment
from consult.workflow import withdrawal
from core.errors import InvalidTransition

ACTIONS = {"dispute": withdrawal.dispute, "withdraw": withdrawal.withdraw}


@require_http_methods(["GET", "HEAD", "POST"])
def private_link(request: HttpRequest, token: str) -> HttpResponse:
    comment = withdrawal.read_token(token)
    if comment is None:
        return render(request, "site/private_link.html", {"state": "invalid"}, status=404)
    now = timezone.now()
    context = {
        "comment": comment,
        "state": "ask",
        "can_withdraw": comment.consultation.is_open_for_comments(now),
        "sent": commitment.sent_by_sender(comment),
    }
    status = 200
    if request.method == "POST":
        step = ACTIONS.get(request.POST.get("action", ""))
        if step is None:
            context["error"] = withdrawal.unknown_action_message()
            status = 400
        else:
            try:
                comment = step(comment, now=now)
                context.update(comment=comment, state="done")
            except InvalidTransition as refusal:
                context["error"] = str(refusal)
                status = 409
    if comment.withdrawal and context["state"] == "ask":
        context["state"] = "already"
    response = render(request, "site/private_link.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
