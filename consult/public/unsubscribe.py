"""The unsubscribe link of every notification: no sign-in, a signed token. GET asks (mail
scanners follow links; a GET changes nothing), POST unsubscribes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from consult.delivery import notifications


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if notifications.read_token(token) is None:
        return render(request, "site/unsubscribe.html", {"state": "invalid"}, status=404)
    if request.method != "POST":
        return render(request, "site/unsubscribe.html", {"state": "ask"})
    notifications.unsubscribe(token)
    return render(request, "site/unsubscribe.html", {"state": "done"})
