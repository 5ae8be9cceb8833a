"""Django's SMTP backend with a separate, longer wait for the message itself.

Django bounds every SMTP socket operation by one ``timeout``. A short one is right for the
connection and the greeting (a server that is down should fail an attempt quickly), but the
server's reply to the end of the message (DATA) may come minutes later on a relay that scans
what it accepts; cut short, the attempt fails after the message arrived and the retry sends it
again. ``EmailBackend`` keeps ``EMAIL_TIMEOUT`` for connecting and greeting and waits
``EMAIL_DATA_TIMEOUT`` (RFC 5321, 4.5.3.2, suggests up to ten minutes) from the first command
of a message to the reply to its end.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend


class EmailBackend(DjangoEmailBackend):
    def __init__(self, *args: Any, data_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_timeout = data_timeout or settings.EMAIL_DATA_TIMEOUT

    def _send(self, email_message: EmailMessage) -> bool:
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            sock.settimeout(self.data_timeout)
        # Django's private step per message, absent from django-stubs.
        sent: bool = super()._send(email_message)  # type: ignore[misc]
        return sent
