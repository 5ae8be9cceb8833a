"""Odd requests get a 4xx and the project's own pages, never a 500: bodies in a charset the app
does not read, hostile form and multipart input, query parameters without a name, bad hosts."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.models import Comment

pytestmark = pytest.mark.django_db

# The suite runs a few; HYPOTHESIS_ODD_REQUESTS=2000 runs the full count.
EXAMPLES = int(os.environ.get("HYPOTHESIS_ODD_REQUESTS", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=no-such-codec",
        "multipart/form-data; boundary=xyz; charset=latin-1",
    ],
)
def test_a_body_in_another_charset_is_refused_before_it_is_read(
    client, consultation, comment_url, during, content_type
):
    client.raise_request_exception = False
    response = client.generic(
        "POST", comment_url, b"body=caf\xe9&website=", content_type=content_type
    )
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_utf8_bodies_are_read(client, consultation, comment_url, valid_data, during, charset):
    from urllib.parse import urlencode

    response = client.generic(
        "POST",
        comment_url,
        urlencode(valid_data).encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 302


def test_a_bad_host_gets_the_projects_400_page(client):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="evil.example:99999")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_an_over_long_url_gets_the_projects_404_page(client):
    response = client.get("/consultations/" + "x" * 8000 + "/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() or "找不到" in response.content.decode()


text = st.text(st.characters(codec="utf-8"), max_size=40)
raw = st.binary(max_size=60)
# No NUL: servers refuse it in a header before the app sees one.
charsets = st.sampled_from(
    [
        "",
        "utf-8",
        "latin-1",
        "utf-16",
        "cp1252",
        "gb18030",
        "x-nonsense",
        "utf-8;",
        '"utf-8"',
        "us-ascii",
    ]
)
form_names = st.sampled_from(
    ["body", "occupation", "field", "task_number", "name", "email", "website", "", "body[]"]
)


@FUZZ
@given(fields=st.lists(st.tuples(form_names, text), max_size=6), charset=charsets)
def test_hostile_form_posts_never_answer_500(client, consultation, comment_url, fields, charset):
    from urllib.parse import urlencode

    client.raise_request_exception = False
    content_type = "application/x-www-form-urlencoded" + (f"; charset={charset}" if charset else "")
    response = client.generic("POST", comment_url, urlencode(fields).encode(), content_type)
    assert response.status_code < 500, response.content[:500]


@FUZZ
@given(
    boundary=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=0, max_size=20),
    body=raw,
    headers=st.lists(
        st.sampled_from(
            [
                b'Content-Disposition: form-data; name="body"',
                b'Content-Disposition: form-data; name="attachments"; filename="a.pdf"',
                b'Content-Disposition: form-data; name="attachments"; filename=""',
                b"Content-Disposition: form-data",
                b"Content-Type: text/plain; charset=latin-1",
                b"Content-Transfer-Encoding: base64",
                b"",
            ]
        ),
        max_size=4,
    ),
    charset=charsets,
)
def test_hostile_multipart_posts_never_answer_500(
    client, consultation, comment_url, boundary, body, headers, charset
):
    client.raise_request_exception = False
    encoded = boundary.encode()
    payload = b"--" + encoded + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body
    payload += b"\r\n--" + encoded + b"--\r\n"
    content_type = f"multipart/form-data; boundary={boundary}" + (
        f"; charset={charset}" if charset else ""
    )
    response = client.generic("POST", comment_url, payload, content_type)
    assert response.status_code < 500, response.content[:500]
