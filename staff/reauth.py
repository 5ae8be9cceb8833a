"""Re-authentication before a grave step (publishing a consultation, issuing a release).

``recent_sign_in_required`` wraps a view: a function, a ``ModelAdmin`` method (decorated in the
class body or wrapped when bound): when the session's last full sign-in is older than
``settings.STAFF_REAUTH_AFTER``, the view does not run and the user is sent to the
re-authentication page, which asks for the password and, when the second factor is required or
the user has a device, a code from that device; it then returns to the step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login

from staff.signin import mark_signed_in, second_factor_required, signed_in_at


def needs_reauthentication(request: HttpRequest) -> bool:
    """Whether the session's last full sign-in is older than ``STAFF_REAUTH_AFTER`` (or
    unknown)."""
    started = signed_in_at(request)
    if started is None:
        return True
    age = timezone.now().timestamp() - started
    return age > settings.STAFF_REAUTH_AFTER.total_seconds()


def reauthentication_redirect(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the re-authentication page that comes back to this request's page, or
    ``None`` when the sign-in is recent enough. For views that decide inside their body."""
    if not needs_reauthentication(request):
        return None
    back = request.get_full_path()
    if request.method != "GET":
        # A POST cannot be replayed after the detour; its confirmation page is shown again.
        back = request.path
    return HttpResponseRedirect(f"{reverse('staff:reauthenticate')}?{urlencode({'next': back})}")


def recent_sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` only for a session signed in within ``STAFF_REAUTH_AFTER``."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs) -> HttpResponse:
        # The request is the first argument of a view, the second of a method decorated in
        # its class body.
        request = next(arg for arg in args[:2] if isinstance(arg, HttpRequest))
        return reauthentication_redirect(request) or view(*args, **kwargs)

    return wrapped


def asks_for_second_factor(user) -> bool:
    return second_factor_required() or user_has_device(user)


class ReauthenticationForm(forms.Form):
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("Code from your authenticator app or a backup code"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = request.user
        self.device = None
        if not asks_for_second_factor(self.user):
            del self.fields["otp_token"]

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        # authenticate() so that a wrong password counts toward the lockout like any sign-in.
        user = authenticate(
            self.request, username=self.user.get_username(), password=password or ""
        )
        if user is None or user.pk != self.user.pk:
            raise forms.ValidationError(_("The password is not correct."), code="password")
        if "otp_token" in self.fields:
            self.device = self._verified_device(cleaned.get("otp_token") or "")
        return cleaned

    def _verified_device(self, token: str):
        token = token.strip().replace(" ", "")
        if token:
            for device in devices_for_user(self.user):
                if device.verify_token(token):
                    return device
        raise forms.ValidationError(_("The code is not correct."), code="otp_token")


@never_cache
@sensitive_post_parameters("password", "otp_token")
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Ask a signed-in staff member for the password (and second factor) again."""
    if not request.user.is_authenticated or not request.user.is_staff:
        return HttpResponseRedirect(
            f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
        )
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    form = ReauthenticationForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        if form.device is not None:
            otp_login(request, form.device)
        mark_signed_in(request)
        return HttpResponseRedirect(next_url)
    context = {
        **admin.site.each_context(request),
        "form": form,
        "next": next_url,
        "title": _("Confirm it is you"),
    }
    return render(request, "staff/reauthenticate.html", context)
