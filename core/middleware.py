"""Requests refused before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_header_parameters

# Forms are sent in UTF-8 (every page is); Django reads a url-encoded body in UTF-8 only, and
# by that name only.
READABLE_CHARSET = "utf-8"


def body_charset_problem(content_type: str) -> str:
    """Why a body of ``content_type`` cannot be read, for the person who sent it; empty when it
    can (no charset, or UTF-8)."""
    _media_type, params = parse_header_parameters(content_type)
    charset = params.get("charset")
    if charset is None or charset.strip().lower() == READABLE_CHARSET:
        return ""
    return f"The request body's charset {charset!r} is not supported: send UTF-8."


class RefuseUnreadableBodies:
    """Refuse with 400 a request whose body declares a charset other than UTF-8.

    Django would decode such a body with the declared codec wherever it is read: by the CSRF
    check, the view and the error views again, each of which may fail on it. Refusing it
    before anything reads the body leaves one answer, through the project's 400 page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = body_charset_problem(request.META.get("CONTENT_TYPE", ""))
        if problem:
            # Django's handler turns BadRequest into handler400 (templates/400.html) without
            # reading the body; it is logged as a client error, not a server one.
            raise BadRequest(problem)
        return self.get_response(request)
