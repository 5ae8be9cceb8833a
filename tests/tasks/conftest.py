"""A local SMTP server (aiosmtpd) that the outbox delivers to, and a worker run in-process."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RecordingHandler:
    """Keeps every message it accepts; ``delay`` holds each one that long first."""

    delay: float = 0.0
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # blocks this server's loop: a slow relay
        with self.lock:
            self.messages.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on one port that can be taken down and brought back (a fresh
    controller each time: a stopped one cannot restart)."""

    def __init__(self, handler: RecordingHandler, port: int) -> None:
        self.handler_ref, self.port = handler, port
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler_ref, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """An SMTP server on 127.0.0.1 that Django's SMTP backend sends to: ``.handler_ref.messages``
    holds what arrived; ``.stop()`` and ``.start()`` take it down and bring it back."""
    # The server's own log ("mail.log", which quotes addresses) would write from its thread
    # after pytest has closed the captured streams.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SmtpServer(RecordingHandler(), free_port())
    server.start()
    settings.EMAIL_BACKEND = "core.smtp.EmailBackend"  # as in production, with EMAIL_HOST
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English (the site's default is Chinese) for a client that asks for nothing."""
    settings.LANGUAGE_CODE = "en"
