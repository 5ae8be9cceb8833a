"""Staff security tests speak English and sign in through the real two-step login form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery"
LOGIN = "/admin/account/login/"


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English (the site's default is Chinese) for a client that asks for nothing."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def required(settings):
    """Production's rule: staff use the admin only after a second factor."""
    settings.STAFF_2FA = "required"


def sign_in(client: Client, username: str, password: str = PASSWORD, *, next_url="/admin/"):
    """Submit the first step of the two-step login form."""
    return client.post(
        f"{LOGIN}?next={next_url}",
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
    )


def enter_code(client: Client, code: str, *, next_url="/admin/"):
    return client.post(
        f"{LOGIN}?next={next_url}",
        {"login_view-current_step": "token", "token-otp_token": code},
    )


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(code).zfill(device.digits)


@pytest.fixture
def totp_for():
    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="default", confirmed=True)

    return make


@pytest.fixture
def backup_codes_for():
    def make(user, codes=("alpha123", "bravo456")) -> StaticDevice:
        device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
        for code in codes:
            device.token_set.create(token=code)
        return device

    return make
