"""Refusing oversized uploads while they arrive, not after they are on disk.

``AttachmentLimitHandler`` comes first in ``FILE_UPLOAD_HANDLERS``. It applies
``consult.intake.attachments.check_upload_while_reading`` as each file starts and as each chunk
arrives; at the first refusal it keeps the message on the request (``request.upload_refusal``,
which the comment form shows) and stops the parser, so the rest of the body is never written
anywhere. A request without files never reaches it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from consult.intake.attachments import COMMENT_REQUEST_MAX_BYTES, check_upload_while_reading


class AttachmentLimitHandler(FileUploadHandler):
    """Counts the files of a multipart request and their bytes; passes every chunk on
    unchanged to the handlers after it until a limit is broken."""

    # One handler per request: the counts start from nothing with each.
    number = 0  # files started
    total = 0  # bytes of all files received

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.number += 1
        self._check(received=0)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        self._check(received=start + len(raw_data))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _check(self, *, received: int) -> None:
        try:
            check_upload_while_reading(
                self.file_name or "", number=self.number, received=received, total=self.total
            )
        except ValidationError as refusal:
            request: Any = self.request  # the HttpRequest being read
            request.upload_refusal = refusal
            # A body within the cap is read to its end (into nothing) so that the answer
            # arrives on a connection the browser is still willing to read; past the cap,
            # nothing more is read and the server closes the connection after answering.
            raise StopUpload(
                connection_reset=_declared_length(request) > COMMENT_REQUEST_MAX_BYTES
            ) from None


def _declared_length(request: Any) -> int:
    """The body's length as Django's multipart parser reads it: its Content-Length, 0 when
    absent or not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH", 0))
    except (ValueError, TypeError):
        return 0
