"""No personal data ever leaves the API: no e-mail, client address or attachment, and no
comment the public may not see, in any format of any endpoint."""

import pytest

from tests.api.conftest import SECRET_BODIES, SECRET_EMAIL, body_of

pytestmark = pytest.mark.django_db

FORBIDDEN_KEYS = {
    "email",
    "ip",
    "ip_hash",
    "ip_address",
    "attachments",
    "attachment",
    "tracking_number",
    "fingerprint",
    "consent_to_publish",
    "author_name",
    "notes",
    "search_text",
}
# A record's "sources" are published: the sentences of public articles it is copied from
# (its provenance), never anything a person sent.
FORBIDDEN_TEXT = (*SECRET_BODIES, SECRET_EMAIL, "f" * 64, "evidence.pdf", "Secret draft")


def keys_of(value, path="$"):
    """Every (path, key) in a JSON document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from keys_of(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from keys_of(item, f"{path}[{index}]")


def test_no_response_of_any_endpoint_holds_personal_data(client, registry, consultations):
    comments = "/api/v1/consultations/draft-list-2026/comments/"
    urls = [
        "/api/v1/",
        "/api/v1/batches/",
        "/api/v1/batches/batch-1/",
        "/api/v1/batches/batch-4/",
        "/api/v1/occupations/",
        *(f"/api/v1/occupations/{o.pk}/" for o in registry["occupations"]),
        "/api/v1/standards/",
        *(f"/api/v1/standards/{s.pk}/" for s in registry["standards"]),
        "/api/v1/consultations/",
        *(f"/api/v1/consultations/{slug}/" for slug in ("draft-list-2026", "next-list")),
        comments,
        f"{comments}{consultations['signed'].pk}/",
        f"{comments}{consultations['anonymous'].pk}/",
        "/api/v1/consultations/next-list/comments/",
        "/api/v1/consultations/last-list/comments/",
    ]
    checked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for path, key in keys_of(response.json()):
            assert key.lower() not in FORBIDDEN_KEYS, f"{url}: {path}.{key}"
        for variant in ({"format": "csv"}, {"page_size": 500}):
            if url == "/api/v1/":
                continue
            text = body_of(client.get(url, variant)).decode("utf-8-sig")
            assert not any(secret in text for secret in FORBIDDEN_TEXT), (url, variant)
            header = text.splitlines()[0].split(",") if "csv" in variant.values() else []
            assert not FORBIDDEN_KEYS & {column.split(".")[-1] for column in header}, url
        html = client.get(url, HTTP_ACCEPT="text/html").content.decode()
        assert not any(secret in html for secret in FORBIDDEN_TEXT), url
        checked += 1
    assert checked == len(urls)


def test_unpublished_comments_are_not_found_by_id(client, consultations):
    from consult.models import Comment

    for secret in SECRET_BODIES:
        comment = Comment.objects.get(body=secret)
        url = f"/api/v1/consultations/draft-list-2026/comments/{comment.pk}/"
        assert client.get(url).status_code == 404
        assert client.get(url, {"format": "csv"}).status_code == 404
