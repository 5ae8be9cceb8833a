"""Oversized uploads are refused while they arrive: reading stops at the fourth file or at the
first file past 10 MB, the person gets the page back with a message naming the file and the
text they typed, and nothing is stored.

The bodies are generated as they are read, so that a 300 MiB upload never sits in memory; the
stream counts what the server read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test.client import ClientHandler

from consult.models import Attachment, Comment
from tests.site.conftest import minimal_pdf

pytestmark = pytest.mark.django_db

BOUNDARY = "consult-test-boundary"
MIB = 1024 * 1024
READ_LIMIT = 11 * 1000 * 1000  # "refused before 11 MB has been read"


class GeneratedBody:
    """A request body read from ``parts`` as the server asks for it, counting what it read."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self.parts = parts
        self.buffer = b""
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            part = next(self.parts, None)
            if part is None:
                break
            self.buffer += part
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def _field(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def _file_parts(name: str, head: bytes, size: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    yield head
    left = size - len(head)
    block = b"0" * MIB
    while left > 0:
        yield block[: min(left, MIB)]
        left -= MIB
    yield b"\r\n"


def _multipart(files: list[tuple[str, int]], fields: dict[str, str]) -> tuple[Iterator, int]:
    """The parts of a comment with ``files`` (name, size) after its fields, and its length."""
    head = minimal_pdf()
    fixed = b"".join(_field(name, value) for name, value in fields.items())
    end = f"--{BOUNDARY}--\r\n".encode()

    def parts() -> Iterator[bytes]:
        yield fixed
        for name, size in files:
            yield from _file_parts(name, head, size)
        yield end

    length = (
        len(fixed)
        + len(end)
        + sum(len(b"".join(p for p in _file_parts(name, b"", 0))) + size for name, size in files)
    )
    return parts(), length


def _post(url: str, files: list[tuple[str, int]], fields: dict[str, str]):
    parts, length = _multipart(files, fields)
    body = GeneratedBody(parts)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": url,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(length),
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": None,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    started = time.perf_counter()
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    return response, body.bytes_read, time.perf_counter() - started, length


def _nothing_stored(settings) -> None:
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_fifty_files_are_refused_at_the_fourth(
    consultation, comment_url, valid_data, during, settings, record_property
):
    files = [(f"part{i:02}.pdf", MIB) for i in range(50)]

    response, read, seconds, length = _post(comment_url, files, valid_data)

    record_property("fifty_files", f"{read} of {length} bytes read in {seconds:.3f} s")
    print(f"50 files of 1 MiB: {read:,} of {length:,} bytes read in {seconds:.3f} s")
    assert response.status_code == 400
    page = response.content.decode()
    assert "“part03.pdf” was not read: attach at most 3 files." in page
    assert valid_data["body"] in page
    assert read < READ_LIMIT
    _nothing_stored(settings)


def test_a_300_mib_file_is_refused_past_10_mb(
    consultation, comment_url, valid_data, during, settings, record_property
):
    response, read, seconds, length = _post(comment_url, [("huge.pdf", 300 * MIB)], valid_data)

    record_property("one_file_300_mib", f"{read} of {length} bytes read in {seconds:.3f} s")
    print(f"one file of 300 MiB: {read:,} of {length:,} bytes read in {seconds:.3f} s")
    assert response.status_code == 400
    page = response.content.decode()
    assert "“huge.pdf” is larger than 10 MB; each file may be at most 10 MB." in page
    assert valid_data["body"] in page
    assert read < READ_LIMIT
    _nothing_stored(settings)


def test_a_body_within_the_cap_is_read_to_its_end_and_answered(
    consultation, comment_url, valid_data, during, settings
):
    """An 11 MiB file in a body under the cap: refused by name; the rest of the body is read
    into nothing, so the browser gets the page on an open connection."""
    response, read, _, length = _post(comment_url, [("report.pdf", 11 * MIB)], valid_data)

    assert response.status_code == 400
    assert "“report.pdf” is larger than 10 MB" in response.content.decode()
    assert read == length
    _nothing_stored(settings)
