"""A client of ClamAV's daemon, clamd, over its INSTREAM command.

The protocol is a few lines: send ``zINSTREAM\\0``, then the file as chunks each preceded by its
length (4 bytes, network order), then a zero length; clamd answers ``stream: OK`` or
``stream: <signature> FOUND``, NUL-terminated. It is written here rather than taken from the
``clamd`` or ``pyclamd`` packages, whose last releases are many years old.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

CHUNK_BYTES = 64 * 1024
REPLY_MAX_BYTES = 4096


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class ScannerUnavailable(Exception):
    """clamd could not be reached, did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class Scanner:
    """Where clamd listens: a Unix socket path, or a host and port; and how long to wait for
    each step of a scan, in seconds."""

    socket_path: str = ""
    host: str = ""
    port: int = 3310
    timeout: float = 10.0

    def ping(self) -> bool:
        """Whether clamd answers PONG."""
        try:
            return self._exchange(b"zPING\0", []) == "PONG"
        except ScannerUnavailable:
            return False

    def scan(self, file: Readable) -> str | None:
        """The name of the signature ``file`` matches, or None when clamd finds it clean.
        Reads ``file`` from its current position to its end. Raises ScannerUnavailable."""
        reply = self._exchange(b"zINSTREAM\0", iter(lambda: file.read(CHUNK_BYTES), b""))
        if reply.endswith(" FOUND"):
            return reply.removeprefix("stream: ").removesuffix(" FOUND")
        if reply == "stream: OK":
            return None
        raise ScannerUnavailable(reply)

    def _exchange(self, command: bytes, chunks: Iterable[bytes]) -> str:
        try:
            with self._connect() as connection:
                connection.sendall(command)
                if command == b"zINSTREAM\0":
                    for chunk in chunks:
                        connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                    connection.sendall(struct.pack("!L", 0))
                return _read_reply(connection)
        except OSError as error:  # refused, missing socket, time-out, reset
            raise ScannerUnavailable(str(error) or type(error).__name__) from error

    def _connect(self) -> socket.socket:
        if self.socket_path:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(self.timeout)
            try:
                connection.connect(self.socket_path)
            except OSError:
                connection.close()
                raise
            return connection
        return socket.create_connection((self.host, self.port), timeout=self.timeout)


def _read_reply(connection: socket.socket) -> str:
    reply = b""
    while b"\0" not in reply and len(reply) < REPLY_MAX_BYTES:
        data = connection.recv(REPLY_MAX_BYTES)
        if not data:
            break
        reply += data
    if not reply:
        raise ScannerUnavailable("no answer")
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def configured_scanner() -> Scanner | None:
    """The scanner the settings name (``CLAMD_SOCKET``, or ``CLAMD_HOST`` and ``CLAMD_PORT``;
    ``CLAMD_TIMEOUT``), or None when none is set."""
    socket_path = getattr(settings, "CLAMD_SOCKET", "")
    host = getattr(settings, "CLAMD_HOST", "")
    if not socket_path and not host:
        return None
    return Scanner(
        socket_path=socket_path,
        host=host,
        port=getattr(settings, "CLAMD_PORT", 3310),
        timeout=getattr(settings, "CLAMD_TIMEOUT", 10),
    )
