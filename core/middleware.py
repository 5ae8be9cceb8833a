"""Requests refused before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

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
    before anything reads the body, and marking the body as unparsed-and-empty, leaves one
    answer: the project's 400 page (or, in development, the debug page).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = body_charset_problem(request.META.get("CONTENT_TYPE", ""))
        if problem:
            # Whatever reads the body after this (the 400 page's CSRF check, the debug page's
            # report of POST parameters) finds it empty, as Django leaves a body it failed to
            # parse (the same private method it calls then), instead of failing on it again.
            request._mark_post_parse_error()  # type: ignore[attr-defined]
            # Django's handler turns BadRequest into handler400 (templates/400.html) without
            # reading the body; it is logged as a client error, not a server one.
            raise BadRequest(problem)
        return self.get_response(request)


class RefusedInput(BadRequest):
    """A request refused for what it holds; the message, in the reader's language, names the
    part to blame and is shown on the 400 page (``core.views.bad_request``)."""


# Where answers are JSON (the API's error bodies: one key per refused parameter).
API_PREFIX = "/api/"
NUL = "\x00"


def nul_problems(request: HttpRequest) -> dict[str, list[str]]:
    """The query parameters (by name) and the path that hold a NUL character, each with a
    message for the person who sent it; empty when none does."""
    problems: dict[str, list[str]] = {}
    if NUL in request.path:
        problems["path"] = [_("The address holds a NUL character; remove it.")]
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            shown = name.replace(NUL, "\\x00")
            problems[shown] = [
                _("The parameter %(name)s holds a NUL character; remove it.") % {"name": shown}
            ]
    return problems


class RefuseNulCharacters:
    """Refuse with 400 a request whose path or query string holds a NUL character.

    No text column of PostgreSQL can hold one, so any lookup with such a value fails in the
    database, on whichever view or filter passes it on. One check here, before any view,
    answers every such request the same way: JSON naming the parameter under ``/api/``, the
    project's 400 page naming it elsewhere. It runs after LocaleMiddleware, so the message is
    in the reader's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problems = nul_problems(request)
        if not problems:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            return JsonResponse(problems, status=400, json_dumps_params={"ensure_ascii": False})
        raise RefusedInput(" ".join(text for messages in problems.values() for text in messages))
