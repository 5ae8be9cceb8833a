"""API keys: making one, and reading the ``X-Api-Key`` header of a request.

A key is printed or shown once when it is made and only its hash is stored
(``consult.models.api_keys``). The header never reaches a log: Django logs no request headers,
and the key is never put in a message or an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request

from consult.models import ApiKey
from consult.models.api_keys import new_api_key_token
from core.clients import client_ip
from core.errors import InvalidTransition
from core.ratelimit import charge, check, parse_rate

if TYPE_CHECKING:
    from rest_framework.views import APIView

    from core.errors import Actor

API_KEY_HEADER = "X-Api-Key"
SCOPES = ("read", "comment")
# A key's last use is written at most this often: enough to see which keys are in use.
LAST_USE_PRECISION = dt.timedelta(minutes=1)
# The rate limit's scope of refused keys, counted per client address.
FAILED_KEY_SCOPE = "api-key-failed"


def parse_scopes(value: str | Iterable[str]) -> set[str]:
    """``"read,comment"`` (or a list of names) as a set of scopes; InvalidTransition naming
    ``scopes`` when one is unknown or none is given."""
    names = value.split(",") if isinstance(value, str) else list(value)
    scopes = {name.strip() for name in names if name.strip()}
    unknown = sorted(scopes - set(SCOPES))
    if unknown or not scopes:
        raise InvalidTransition(
            _("Scopes are read, comment or both, separated by a comma; got “%(value)s”.")
            % {"value": ",".join(sorted(scopes))},
            field="scopes",
        )
    return scopes


def create_api_key(
    *, owner: str, scopes: Iterable[str], by: Actor, now: dt.datetime, note: str = ""
) -> tuple[ApiKey, str]:
    """A new key for the organisation ``owner`` with ``scopes``, and its token, which is not
    stored and cannot be shown again."""
    owner = owner.strip()
    if not owner:
        raise InvalidTransition(_("Name the organisation that holds the key."), field="owner")
    chosen = parse_scopes(scopes)
    token = new_api_key_token()
    key = ApiKey(
        owner=owner,
        scope_read="read" in chosen,
        scope_comment="comment" in chosen,
        note=note,
        created_at=now,
        created_by=by,
    )
    key.set_token(token)
    with transaction.atomic():
        key.save(force_insert=True)
    return key, token


class ApiKeyAuthentication(BaseAuthentication):
    """``X-Api-Key: ck_…``: the request is made with that key (``request.auth``); a key that
    is unknown or revoked is refused with 401. Without the header the request is anonymous.

    Refused keys are counted per client address (an IPv6 client by its /64) on the project's
    shared sliding window (``core.ratelimit``, in the cache every node shares); once an address
    has had ``settings.API_KEY_FAILURE_RATE`` refused, every request from it that sends a key,
    a right one too, is answered 429 until the count falls, so that guessing keys gains
    nothing from the answers."""

    def authenticate(self, request: Request) -> tuple[None, ApiKey] | None:
        token = request.META.get("HTTP_X_API_KEY")
        if token is None:
            return None
        address = client_ip(request._request)
        rate = parse_rate(settings.API_KEY_FAILURE_RATE)
        verdict = check(FAILED_KEY_SCOPE, address, rate)
        if not verdict.allowed:
            raise exceptions.Throttled(
                wait=verdict.retry_after,
                detail=_(
                    "Too many requests from this address were refused for their API key; "
                    "try again later."
                ),
            )
        key = ApiKey.objects.by_token(token.strip()) if token.strip() else None
        if key is None:
            charge(FAILED_KEY_SCOPE, address, rate)
            raise exceptions.AuthenticationFailed(
                gettext_lazy("This API key is not valid or has been revoked."),
                code="invalid_api_key",
            )
        key.record_use(now=timezone.now(), every=LAST_USE_PRECISION)
        return None, key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 rather than 403 to a refused key.
        return f'ApiKey header="{API_KEY_HEADER}"'


def request_key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class KeyScopes(IsAuthenticatedOrReadOnly):
    """Sending a comment needs a key with its ``comment`` scope. Reads are open to all: a key
    with the ``read`` scope reads at its key's rate, and one without it (a key for comments
    only) reads as an anonymous client does, never less (``core.api.throttling``). The base
    class tells the schema that a key is optional for reads only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        if getattr(view, "action", None) is None:
            return True  # no such action here: the view answers 405
        key = request_key(request)
        if key is None:
            raise exceptions.NotAuthenticated(
                _("Sending a comment needs an API key with the “comment” scope.")
            )
        if "comment" not in key.scopes:
            raise exceptions.PermissionDenied(
                _("This API key does not have the “%(scope)s” scope.") % {"scope": "comment"}
            )
        return True
