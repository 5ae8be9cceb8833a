"""A local SMTP server for the cluster: it keeps every message it accepts as one file.

    python smtp_sink.py --listen 10.231.0.1:2525 --mailbox DIR [--delay SECONDS]

A message is written to ``DIR`` (as ``<time>-<random>.eml``, renamed into place whole) before
the server replies 250, so a sender that saw the reply has its message on disk, and a file on
disk is a message delivered. ``--delay`` holds each message that many seconds before accepting
it, as a slow relay does; while it is held, a file ``.<random>.held`` in ``DIR`` says so, so that
a test can act while a delivery is under way. SIGTERM or SIGINT stops the server; connections
then get refused, as from a relay that is down.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class Mailbox:
    """aiosmtpd handler: each message, after ``delay`` seconds, becomes a file in ``folder``."""

    def __init__(self, folder: Path, delay: float) -> None:
        self.folder = folder
        self.delay = delay

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            # Gone once the message is accepted, or dropped with its connection (aiosmtpd then
            # cancels this handler, and the message is not kept).
            mark = self.folder / f".{uuid.uuid4().hex}.held"
            mark.touch()
            try:
                await asyncio.sleep(self.delay)
            finally:
                mark.unlink(missing_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(envelope.original_content or b"")
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="address:port")
    parser.add_argument("--mailbox", required=True, type=Path)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to hold each message")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    args.mailbox.mkdir(parents=True, exist_ok=True)
    # Blocked before the server's thread starts, so that only sigwait() below receives them.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    controller = Controller(Mailbox(args.mailbox, args.delay), hostname=host, port=int(port))
    controller.start()
    print(f"SMTP sink on {host}:{port}, mailbox {args.mailbox}, delay {args.delay}s", flush=True)
    signal.sigwait(stop_signals)
    controller.stop()


if __name__ == "__main__":
    main()
