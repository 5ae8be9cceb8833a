"""Staff sign-in: the second factor, the session limits, the lockout page and the reset of a
lost device.

- ``settings.STAFF_2FA == "required"``: no admin page (nor a ``staff:`` page) answers a staff
  member whose session has not passed a second factor; one without a device is sent to
  enrolment, one with a device back to the two-step sign-in.
- A staff session ends ``STAFF_SESSION_MAX_AGE`` after its sign-in and after
  ``STAFF_SESSION_IDLE`` without a request; visitors' sessions are not touched.
- Five failed sign-ins for one (username, client address) pair lock that pair (django-axes);
  ``lockout_response`` is the page they see.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device

logger = logging.getLogger("consult.security")

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN = "staff_last_seen"
# Writing the session on every request costs a write per page; a minute is fine-grained enough
# for a 30-minute idle limit.
LAST_SEEN_RESOLUTION = 60
# Pages that demand a verified second factor when it is required.
GUARDED_NAMESPACES = {"admin", "staff"}
UNGUARDED_ADMIN_VIEWS = {"login", "logout"}


def second_factor_required() -> bool:
    return settings.STAFF_2FA == "required"


def signed_in_at(request: HttpRequest) -> float | None:
    """When this session last passed a full sign-in (epoch seconds), if it says."""
    return request.session.get(SIGNED_IN_AT)


def mark_signed_in(request: HttpRequest) -> None:
    """Record a full sign-in (or re-authentication) on the session."""
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


@receiver(user_logged_in, dispatch_uid="staff.signin.stamp_sign_in")
def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    mark_signed_in(request)
    if user.is_staff:
        # The cookie should not outlive the server-side limit.
        request.session.set_expiry(int(settings.STAFF_SESSION_MAX_AGE.total_seconds()))


def session_expired(session, now: float) -> bool:
    """Whether a staff session is past its absolute or idle limit. A session that carries no
    sign-in time predates these limits and is treated as expired."""
    started = session.get(SIGNED_IN_AT)
    seen = session.get(LAST_SEEN, started)
    if started is None:
        return True
    return (
        now - started > settings.STAFF_SESSION_MAX_AGE.total_seconds()
        or now - seen > settings.STAFF_SESSION_IDLE.total_seconds()
    )


class StaffSessionMiddleware:
    """Ends staff sessions past their limits; marks the others as seen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = timezone.now().timestamp()
            if session_expired(request.session, now):
                logger.info("Staff session of %s ended by its time limit.", user.get_username())
                logout(request)
            elif now - request.session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """When the second factor is required, guarded pages answer only verified sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not second_factor_required() or match is None:
            return None
        if not GUARDED_NAMESPACES & set(match.namespaces):
            return None
        if "admin" in match.namespaces and match.url_name in UNGUARDED_ADMIN_VIEWS:
            return None
        user = request.user
        if not user.is_authenticated or not user.is_staff or user.is_verified():
            return None
        if not user_has_device(user):
            setup = reverse("two_factor:setup")
            return HttpResponseRedirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
        # A session signed in with the password alone (before a device was added, or before
        # the requirement was switched on) signs in again, this time with the device.
        logout(request)
        return redirect_to_login(request.get_full_path())


def sign_in_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a sign-in attempt names: from ``authenticate()``'s credentials, or from the
    two-step login form (``auth-username``) when axes reads the request itself."""
    if credentials:
        return credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    return request.POST.get("auth-username") or request.POST.get("username")


def retry_after(request: HttpRequest, credentials: dict | None) -> int:
    """Seconds until the locked (username, address) pair may try again."""
    from axes.helpers import get_client_ip_address, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request) or dt.timedelta(0)
    last = AccessAttempt.objects.filter(
        username=sign_in_username(request, credentials),
        ip_address=get_client_ip_address(request),
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return int(cool_off.total_seconds())
    remaining = (last + cool_off - timezone.now()).total_seconds()
    return min(int(cool_off.total_seconds()), max(1, math.ceil(remaining)))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The answer to a sign-in from a locked pair: 429 with ``Retry-After`` and a page that says
    when to try again (axes' ``AXES_LOCKOUT_CALLABLE``)."""
    seconds = retry_after(request, credentials)
    response = render(
        request,
        "staff/locked_out.html",
        {"minutes": max(1, -(-seconds // 60)), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


@transaction.atomic
def reset_second_factor(staff, *, by) -> int:
    """Delete every second-factor device of ``staff`` (TOTP, backup codes) and log who did it
    and when, in the admin's log of changes. Requires ``by`` to be a superuser; returns the
    number of devices removed."""
    if not by.is_superuser:
        raise PermissionDenied
    devices = list(devices_for_user(staff, confirmed=None))
    for device in devices:
        device.delete()
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[staff],
        action_flag=CHANGE,
        change_message=f"Reset the second factor: {len(devices)} device(s) removed.",
        single_object=True,
    )
    logger.warning(
        "Second factor of %s reset by %s (%d devices).",
        staff.get_username(),
        by.get_username(),
        len(devices),
    )
    return len(devices)


def reset_devices_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Superusers only: GET shows the staff member's devices, POST removes them all."""
    if not request.user.is_superuser:
        raise PermissionDenied
    staff = get_object_or_404(get_user_model(), pk=pk)
    change_url = reverse("admin:auth_user_change", args=[staff.pk])
    if request.method == "POST":
        removed = reset_second_factor(staff, by=request.user)
        messages.success(
            request,
            _("%(name)s's second factor was reset (%(n)d devices removed).")
            % {"name": staff.get_username(), "n": removed},
        )
        return HttpResponseRedirect(change_url)
    context = {
        **admin.site.each_context(request),
        "title": _("Reset the second factor of %(name)s") % {"name": staff.get_username()},
        "staff": staff,
        "devices": list(devices_for_user(staff, confirmed=None)),
        "change_url": change_url,
    }
    return render(request, "staff/reset_devices.html", context)
