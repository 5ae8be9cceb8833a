"""Traffic for the cluster tests: HTTPS requests to the proxy on loopback, a bounded load of
comments, and the mailbox the SMTP server fills.

Each request opens its own connection from its own loopback address (127.64.0.0 onwards):
through the proxy (``TRUSTED_PROXY_COUNT=1``) that address is the client's, so a load of many
comments is many clients, each far below the comment rate limit, while a test of the limit
sends from one address.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import ipaddress
import itertools
import re
import ssl
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

_addresses = itertools.count(1)
_addresses_lock = threading.Lock()
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def new_client_address() -> str:
    """A loopback address no earlier request of this test run came from."""
    with _addresses_lock:
        return str(ipaddress.IPv4Address("127.64.0.0") + next(_addresses))


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float

    @property
    def node(self) -> str:
        """The web node that answered, as the proxy names it."""
        return self.headers.get("X-Served-By", "")

    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}


class Proxy:
    """A client of the cluster's proxy, trusting its self-signed certificate."""

    def __init__(self, host: str, port: int, certificate: Path) -> None:
        self.host = host
        self.port = port
        self.origin = f"https://{host}:{port}"
        self.tls = ssl.create_default_context(cafile=str(certificate))

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        client: str = "127.0.0.1",
        timeout: float = 30.0,
    ) -> Response:
        """One request on a connection of its own from ``client``; a form is posted as a
        browser posts it (with its Origin, as Django's CSRF check on HTTPS wants)."""
        headers = {"Accept-Language": "en", "Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection = http.client.HTTPSConnection(
            self.host, self.port, context=self.tls, timeout=timeout, source_address=(client, 0)
        )
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            text = reply.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        return Response(reply.status, reply.headers, text, time.perf_counter() - started)

    def form_page(self, path: str, client: str = "127.0.0.1") -> tuple[dict[str, str], str]:
        """GET a page with a form: its cookies and the form's CSRF token."""
        page = self.request("GET", path, client=client)
        assert page.status == 200, (page.status, page.text[:500])
        match = CSRF_INPUT.search(page.text)
        assert match, "no CSRF token on " + path
        return page.cookies(), match.group(1)


def comment_form(body: str, token: str, email_address: str = "") -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": token,
        "occupation": "",
        "field": "",
        "task_number": "",
        "body": body,
        "proposed_text": "",
        "name": "",
        "organisation": "",
        "email": email_address,
        "website": "",
    }


@dataclass
class Attempt:
    """One comment POST of a load: what was sent and what came back."""

    body: str
    email: str
    started: float  # time.monotonic()
    ended: float = 0.0
    status: int | None = None  # None: no HTTP answer at all
    node: str = ""
    tracking_number: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == 302 and bool(self.tracking_number)


@dataclass
class Load:
    """Comments posted by ``threads`` clients in turn, each from a new client address, until
    ``stop()`` is called, ``seconds`` have passed or ``limit`` requests were sent, whichever
    comes first."""

    proxy: Proxy
    slug: str
    tag: str
    seconds: float
    threads: int = 6
    limit: int = 4000
    with_email: bool = True
    attempts: list[Attempt] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event, repr=False)

    def run(self) -> Load:
        cookies, token = self.proxy.form_page(f"/consultations/{self.slug}/")
        numbers = itertools.count(1)
        deadline = time.monotonic() + self.seconds
        lock = threading.Lock()

        def client() -> None:
            while time.monotonic() < deadline and not self.stopped.is_set():
                with lock:
                    number = next(numbers)
                    if number > self.limit:
                        return
                attempt = self._post(number, cookies, token)
                with lock:
                    self.attempts.append(attempt)

        workers = [threading.Thread(target=client) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return self

    def stop(self) -> None:
        """End a load running in another thread: each client finishes the request in hand."""
        self.stopped.set()

    def _post(self, number: int, cookies: dict[str, str], token: str) -> Attempt:
        body = f"Cluster comment {self.tag}-{number}: please add safety training."
        address = f"person-{self.tag}-{number}@example.org" if self.with_email else ""
        attempt = Attempt(body=body, email=address, started=time.monotonic())
        try:
            response = self.proxy.request(
                "POST",
                f"/consultations/{self.slug}/comment/",
                form=comment_form(body, token, address),
                cookies=cookies,
                client=new_client_address(),
            )
        except OSError as error:
            attempt.error = f"{type(error).__name__}: {error}"
        else:
            attempt.status = response.status
            attempt.node = response.node
            location = response.headers.get("Location", "")
            if "/comments/" in location:
                attempt.tracking_number = location.rstrip("/").rsplit("/", 1)[1]
        attempt.ended = time.monotonic()
        return attempt

    @property
    def successes(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.succeeded]

    @property
    def failures(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if not attempt.succeeded]

    def p99(self) -> float:
        """The 99th percentile of the successful POSTs' times, in seconds."""
        times = sorted(attempt.ended - attempt.started for attempt in self.successes)
        return statistics.quantiles(times, n=100, method="inclusive")[98]

    def by_node(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for attempt in self.successes:
            counts[attempt.node] = counts.get(attempt.node, 0) + 1
        return counts


def delivered(mailbox: Path) -> dict[str, int]:
    """How many messages the SMTP server accepted for each recipient."""
    counts: dict[str, int] = {}
    for path in mailbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for recipient in message.get_all("To", []):
            counts[str(recipient)] = counts.get(str(recipient), 0) + 1
    return counts


def accepted(mailbox: Path) -> int:
    """How many messages the SMTP server accepted (cheaper than ``delivered`` to poll)."""
    return sum(1 for _ in mailbox.glob("*.eml"))


def held(mailbox: Path) -> int:
    """How many messages the SMTP server holds (``--delay``) without having accepted them."""
    return sum(1 for _ in mailbox.glob(".*.held"))


def wait_until(condition, timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds have passed; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
