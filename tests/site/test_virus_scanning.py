"""With a virus scanner configured, every attachment is scanned by clamd before it is stored:
an infected file is refused, and a scanner that does not answer refuses the attachment with
the typed text kept on the page; nothing is stored unscanned."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from consult.models import Attachment, Comment
from tests.clamav import EICAR, MARKER
from tests.site.conftest import minimal_pdf, upload
from tests.site.test_comment_form import error_summary

pytestmark = pytest.mark.django_db


def _nothing_stored(settings) -> None:
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.fixture
def scanning(settings, clamd_socket):
    settings.CLAMD_SOCKET, settings.CLAMD_HOST, settings.CLAMD_TIMEOUT = clamd_socket, "", 5


@pytest.mark.parametrize(
    ("name", "content", "signature"),
    [
        ("eicar.txt", EICAR, "Consult.Test.EICAR"),
        ("marked.pdf", minimal_pdf() + b"%" + MARKER + b"\n", "Consult.Test.Marker"),
    ],
)
def test_an_infected_attachment_is_refused_and_nothing_is_stored(
    client,
    consultation,
    comment_url,
    valid_data,
    during,
    settings,
    scanning,
    name,
    content,
    signature,
):
    others = [upload("clean.pdf", minimal_pdf())]
    data = {**valid_data, "attachments": [*others, upload(name, content)]}

    response = client.post(comment_url, data)

    assert response.status_code == 400
    summary = error_summary(response)
    assert f"“{name}” contains a virus or other malware ({signature}" in summary
    assert "clean.pdf" not in summary
    _nothing_stored(settings)


def test_clean_attachments_are_scanned_and_stored(
    client, consultation, comment_url, valid_data, during, scanning
):
    response = client.post(
        comment_url, {**valid_data, "attachments": [upload("clean.pdf", minimal_pdf())]}
    )
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "clean.pdf"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("scanner", ["missing socket", "closed port", "silent"])
def test_a_scanner_that_does_not_answer_refuses_the_attachment_and_keeps_the_text(
    client, consultation, comment_url, valid_data, during, settings, tmp_path, scanner
):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    settings.CLAMD_TIMEOUT = 1
    settings.CLAMD_SOCKET, settings.CLAMD_HOST, settings.CLAMD_PORT = {
        "missing socket": (str(tmp_path / "clamd.sock"), "", 3310),
        "closed port": ("", "127.0.0.1", _closed_port()),
        "silent": ("", "127.0.0.1", silent.getsockname()[1]),
    }[scanner]
    body = "The definition should mention hydrogen safety."

    with silent:
        response = client.post(
            comment_url,
            {**valid_data, "body": body, "attachments": [upload("notes.txt", b"Plain notes.")]},
        )

    assert response.status_code == 400
    assert "“notes.txt” could not be checked for viruses just now" in error_summary(response)
    assert body in response.content.decode()
    _nothing_stored(settings)
