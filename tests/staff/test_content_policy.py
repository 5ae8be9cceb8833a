"""The Content Security Policy header: strict on public pages, loosened only as far as the admin
and the API docs need."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


@pytest.mark.parametrize("path", ["/", "/consultations/", "/occupations/", "/no-such-page/"])
def test_public_pages_allow_nothing_inline_and_no_framing(client, path):
    policy = directives(client.get(path))
    assert policy["default-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}
    assert "script-src" not in policy and "style-src" not in policy
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_the_admin_adds_inline_styles_only(client):
    policy = directives(client.get("/admin/account/login/"))
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["default-src"] == {"'self'"} and policy["frame-ancestors"] == {"'none'"}
    assert "script-src" not in policy and "img-src" not in policy


def test_the_api_docs_add_inline_styles_and_data_images_only(client):
    response = client.get("/api/docs/")
    policy = directives(response)
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["img-src"] == {"'self'", "data:"}
    assert "script-src" not in policy
    # Swagger UI's start-up script is a file, not inline.
    assert b"<script>" not in response.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
