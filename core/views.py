"""The project's error views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBadRequest
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from core.middleware import RefusedInput


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponseBadRequest:
    """Django's 400 view with the reason when the project refused the request itself
    (``RefusedInput``, whose message names the part to blame); other reasons (Django's own,
    in English, about hosts or headers) are not repeated to the client."""
    problem = str(exception) if isinstance(exception, RefusedInput) else ""
    page = loader.get_template("400.html").render({"problem": problem})
    return HttpResponseBadRequest(page)
