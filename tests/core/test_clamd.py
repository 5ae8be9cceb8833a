"""The clamd client against a real clamd (``tests.clamav``) and against scanners that do not
answer: a missing socket, a closed port, a socket that accepts and never replies."""

from __future__ import annotations

import io
import socket
import time

import pytest

from core.clamd import Scanner, ScannerUnavailable, configured_scanner
from tests.clamav import EICAR, MARKER


def test_clamd_names_the_signature_of_what_it_finds(clamd_socket):
    scanner = Scanner(socket_path=clamd_socket, timeout=5)
    assert scanner.ping()
    assert scanner.scan(io.BytesIO(EICAR)) == "Consult.Test.EICAR.UNOFFICIAL"
    assert (
        scanner.scan(io.BytesIO(b"%PDF-1.4\n" + MARKER + b"\n%%EOF\n"))
        == "Consult.Test.Marker.UNOFFICIAL"
    )
    assert scanner.scan(io.BytesIO(b"A plain comment.\n" * 10_000)) is None


def test_a_missing_socket_or_a_closed_port_is_unavailable(tmp_path):
    with pytest.raises(ScannerUnavailable):
        Scanner(socket_path=str(tmp_path / "none.sock"), timeout=1).scan(io.BytesIO(b"x"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ScannerUnavailable):
        Scanner(host="127.0.0.1", port=port, timeout=1).scan(io.BytesIO(b"x"))


def test_a_scanner_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        scanner = Scanner(host="127.0.0.1", port=silent.getsockname()[1], timeout=1)
        started = time.monotonic()
        with pytest.raises(ScannerUnavailable):
            scanner.scan(io.BytesIO(b"x" * 1000))
        assert time.monotonic() - started < 5


def test_the_settings_name_the_scanner(settings):
    settings.CLAMD_SOCKET, settings.CLAMD_HOST = "", ""
    assert configured_scanner() is None
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "scanner", 3311, 3
    assert configured_scanner() == Scanner(host="scanner", port=3311, timeout=3)
