"""Odd requests answer 4xx, never 500, with DEBUG off (production) and on (development, where
Django's debug page must not crash either): a body in a charset the app does not read, an
invalid API key with an unknown ``?format=``, a NUL in a query parameter or a path segment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from consult.api.keys import create_api_key
from occupations.workflow import issue_release

pytestmark = pytest.mark.django_db

API_LISTS = [
    "/api/v1/occupations/",
    "/api/v1/batches/",
    "/api/v1/standards/",
    "/api/v1/releases/",
    "/api/v1/consultations/",
    "/api/v1/consultations/draft-list-2026/comments/",
]
API_DETAILS = [
    "/api/v1/occupations/1/",
    "/api/v1/batches/batch-1/",
    "/api/v1/standards/1/",
    "/api/v1/releases/2026.1/",
    "/api/v1/consultations/draft-list-2026/",
    "/api/v1/consultations/draft-list-2026/comments/1/",
]
API_ENDPOINTS = [*API_LISTS, *API_DETAILS, "/api/v1/"]


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def browser():
    """A client as a browser is: CSRF checks enforced with a CSRF cookie (so that the check
    reads a POST's body), exceptions answered, not raised."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    return client


# (a) A body in a charset the app does not read -----------------------------------------------

CHARSETS = ["latin-1", "utf-16", "no-such-codec", "cp1252"]
URLS = [
    "/",
    "/consultations/draft-list-2026/comment/",
    "/admin/login/",
    "/api/v1/occupations/",
    "/api/v1/consultations/draft-list-2026/comments/",
]


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize("url", URLS)
def test_a_post_in_another_charset_is_a_400_on_any_url(browser, debug, consultations, url, charset):
    response = browser.generic(
        "POST",
        url,
        b"csrfmiddlewaretoken=x&body=caf\xe9",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400, response.content[:300]
    if debug:
        assert charset.encode() in response.content  # the debug page names the problem
    else:
        assert b"Bad request" in response.content  # the project's 400 page


# (b) An invalid or revoked key with an unknown format ----------------------------------------


@pytest.fixture
def revoked_token(registry, consultations):
    issue_release(by=None, note="A release to read.")
    key, token = create_api_key(owner="Gone", scopes=["read"], by=None, now=timezone.now())
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    return token


@pytest.mark.parametrize("token", ["ck_invalid", "revoked"])
@pytest.mark.parametrize("url", API_ENDPOINTS)
def test_a_refused_key_with_an_unknown_format_is_a_401(browser, debug, revoked_token, url, token):
    token = revoked_token if token == "revoked" else token
    response = browser.get(
        url, {"format": "xml"}, headers={"X-Api-Key": token, "Accept-Language": "en"}
    )

    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This API key is not valid or has been revoked."}


# (c) A NUL in a query parameter or a path segment --------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/occupations/?release=2026.1%00", "release"),
        ("/api/v1/occupations/?since_release=%00", "since_release"),
        ("/api/v1/batches/?q=a%00b", "q"),
        ("/api/v1/occupations/?code=%00", "code"),
        ("/api/v1/releases/?format=json&lang=en%00", "lang"),
        ("/occupations/?q=%00", "q"),
        ("/consultations/?page=1%00", "page"),
        ("/comments/?tracking_number=%00", "tracking_number"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(
    browser, debug, revoked_token, url, parameter
):
    response = browser.get(url)

    assert response.status_code == 400, response.content[:300]
    assert parameter.encode() in response.content
    assert b"NUL" in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/comments/C-2026%00/",
        "/api/v1/batches/batch%00/",
        "/api/v1/releases/2026.1%00/",
        "/consultations/draft-list-2026%00/",
        "/api/v1/consultations/draft%00list/comments/",
        "/feeds/consultations/%00/",
    ],
)
def test_a_nul_in_a_path_is_a_400(browser, debug, revoked_token, url):
    response = browser.get(url)

    assert response.status_code == 400, response.content[:300]
    assert b"NUL" in response.content


def test_an_api_nul_answers_json_naming_the_parameter(browser, settings, revoked_token):
    settings.DEBUG = False
    response = browser.get("/api/v1/occupations/", {"release": "\x00"})

    assert response.status_code == 400
    assert list(response.json()) == ["release"]
