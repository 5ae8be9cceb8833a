"""`make run` from the README serves the public pages and the admin, with a worker of the task
queue beside the server that sends a comment's receipt; stopped, it leaves nothing running.

Runs the real Makefile target in a subprocess against a throw-away SQLite file (the virtual
environment is already installed, so the install step is a no-op), waits for the server, fetches
pages over HTTP, then stops it as a test's teardown does: TERM to its process group. Every
process of the run shares the session `make` starts (the server and the worker have process
groups of their own within it), so the session lists them all, and after the stop none may be
left, nor anything listening on the port. Not marked django_db: it never touches the test
database.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Migrating a new SQLite file and loading the seeds comes first.
START_TIMEOUT = 180.0
# The worker finishes the task in hand before it stops.
STOP_TIMEOUT = 60.0
RECEIPT_TIMEOUT = 30.0
RECEIPT_LOG_LINES = (
    # The console backend prints the receipt from the worker's process, not the server's.
    "consult.delivery.outbox.deliver_mail state=SUCCESSFUL",
    "To: visitor@example.org",
    "Mail #1 sent (attempt 1).",
)


def wait_for(condition, *, timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds have passed; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@dataclass(frozen=True)
class Process:
    """A process as /proc shows it; its start time tells it from a later one with its pid."""

    pid: int
    started: int
    argv: tuple[str, ...]

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[0] != "Z" and int(stat[19]) == self.started


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:  # gone
        return None


def session_processes(session: int) -> list[Process]:
    """The live processes of ``session`` (zombies count as gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] == "Z" or int(stat[3]) != session:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode().split("\0")[:-1]
        except OSError:
            continue
        found.append(Process(int(entry.name), int(stat[19]), tuple(argv)))
    return found


def _with_default_interrupt() -> None:
    # As a terminal's shell starts it: a test run started in the background would otherwise
    # pass SIGINT on ignored, and Ctrl-C could not be tried.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class MakeRun:
    """`make run` on a free port in a session of its own, its SQLite file, media and log in
    ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "make-run.log"
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            SQLITE_PATH=str(folder / "run.sqlite3"),
            MEDIA_ROOT=str(folder / "media"),
            DEMO_ADMIN_PASSWORD="a-long-demo-password-for-tests",
            PORT=str(self.port),
            PYTHONUNBUFFERED="1",
        )
        with self.log.open("w") as log:
            self.make = subprocess.Popen(
                ["make", "run", f"PORT={self.port}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_with_default_interrupt,
            )
        self.seen: dict[int, Process] = {}

    def serves(self) -> bool:
        with contextlib.suppress(OSError):
            return _get(f"{self.base}/admin/login/")[0] == 200
        return False

    def wait_until_served(self) -> None:
        wait_for(lambda: self.make.poll() is not None or self.serves(), timeout=START_TIMEOUT)
        if not self.serves():
            pytest.fail("make run did not serve:\n" + self.log.read_text())

    def processes(self) -> list[Process]:
        """The run's processes now (make's session), also kept in ``seen``."""
        running = session_processes(self.make.pid)
        self.seen.update((process.pid, process) for process in running)
        return running

    def alive(self) -> list[Process]:
        """What is still running of every process the run has been seen with."""
        self.processes()
        return [process for process in self.seen.values() if process.alive()]

    def stop(self) -> list[Process]:
        """Stop the run as a test's teardown does (TERM to make's process group) and wait for
        it to end; the processes of the run still running then, killed before they are
        returned."""
        self.processes()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.make.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.make.wait(timeout=STOP_TIMEOUT)
        # make ends after its shell, and the shell after the two it started: what still runs
        # has been left behind (a last exit may still be on its way).
        wait_for(lambda: not self.alive(), timeout=5)
        left = self.alive()
        for process in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.make.wait(timeout=5)
        return left


def _commands(processes: list[Process]) -> list[str]:
    """The management commands the run's Python processes run ("runserver", "run_worker")."""
    return sorted(
        process.argv[2]
        for process in processes
        if len(process.argv) > 2 and process.argv[1] == "manage.py"
    )


def assert_nothing_left(run: MakeRun) -> None:
    left = run.stop()
    assert left == [], f"still running after make run was stopped: {left}"
    assert not _listening(run.port)


@pytest.fixture
def served(tmp_path):
    """`make run`, serving; stopped afterwards, with nothing of it left running."""
    run = MakeRun(tmp_path)
    try:
        run.wait_until_served()
        yield run
    finally:
        assert_nothing_left(run)


def test_make_run_serves_the_home_page_and_the_admin(served):
    base = served.base
    status, home = _get(f"{base}/")
    assert status == 200
    # The seeded history and the open sample consultation are what a newcomer sees first.
    assert "[Sample]" in home or "示例" in home
    status, login = _get(f"{base}/admin/login/")
    assert status == 200
    assert 'name="auth-username"' in login
    status, api = _get(f"{base}/api/v1/batches/?format=json")
    assert status == 200
    assert '"count":6' in api.replace(" ", "")
    output = served.log.read_text()
    assert "admin" in output


def _post_comment(base: str, slug: str, email: str) -> str:
    """Post a comment through the public form (with its CSRF cookie); the receipt's URL."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/consultations/{slug}/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"csrfmiddlewaretoken": token, "body": "A comment from make run.", "email": email}
    request = urllib.request.Request(
        f"{base}/consultations/{slug}/comment/",
        data=urllib.parse.urlencode(data).encode(),
        headers={"Referer": f"{base}/"},
    )
    with opener.open(request, timeout=10) as response:
        return response.url


def test_make_run_sends_a_receipt_through_its_worker(served):
    receipt_url = _post_comment(served.base, "sample-draft-list", "visitor@example.org")
    number = receipt_url.rstrip("/").rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", number)
    wait_for(
        lambda: all(line in served.log.read_text() for line in RECEIPT_LOG_LINES),
        timeout=RECEIPT_TIMEOUT,
    )
    output = served.log.read_text()
    for line in RECEIPT_LOG_LINES:
        assert line in output


def test_make_run_stopped_by_a_teardown_leaves_no_process_behind(tmp_path):
    """TERM to make's process group, as the fixtures' teardown sends it, ends the server, its
    reloader child and the worker: none of the processes seen while it served still runs, and
    the port is free."""
    run = MakeRun(tmp_path)
    try:
        run.wait_until_served()
        children = run.processes()
        # The server and its autoreloader's child, and the worker: the stop below has
        # something to prove.
        assert _commands(children) == ["run_worker", "runserver", "runserver"]
    finally:
        left = run.stop()
    assert left == []
    assert not any(process.alive() for process in children)
    assert session_processes(run.make.pid) == []
    assert run.make.returncode == -signal.SIGTERM
    assert not _listening(run.port)


def _term_to_make(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)


def _int_to_group(pid: int) -> None:
    os.killpg(pid, signal.SIGINT)


def _term_burst_to_group(pid: int) -> None:
    # Each TERM to the group reaches the shell twice (from the group, and from make), the
    # second a little later; TERM after TERM for 20 ms makes sure that some arrive while the
    # shell is stopping the two.
    deadline = time.perf_counter() + 0.02
    with contextlib.suppress(ProcessLookupError):
        while time.perf_counter() < deadline:
            os.killpg(pid, signal.SIGTERM)
            sent = time.perf_counter()
            while time.perf_counter() - sent < 0.00005:
                pass


@pytest.mark.parametrize(
    ("send", "signum"),
    [
        (_term_to_make, signal.SIGTERM),
        (_int_to_group, signal.SIGINT),
        (_term_burst_to_group, signal.SIGTERM),
    ],
    ids=["TERM to make alone", "Ctrl-C: INT to its process group", "TERM to its group, again"],
)
def test_a_signal_to_make_run_ends_the_server_and_the_worker(tmp_path, send, signum):
    """A TERM to the make process alone (make passes it on to its shell), Ctrl-C at the
    terminal (INT to the foreground process group, which the server and the worker are not in)
    or TERM to the group again and again ends make and both children, the server's reloader
    child included."""
    run = MakeRun(tmp_path)
    try:
        run.wait_until_served()
        children = run.processes()
        assert _commands(children) == ["run_worker", "runserver", "runserver"]
        send(run.make.pid)
        ended = wait_for(
            lambda: run.make.poll() is not None and not any(p.alive() for p in children),
            timeout=STOP_TIMEOUT,
        )
        still_running = [process for process in children if process.alive()]
    finally:
        left = run.stop()
    assert ended, f"still running after the signal: {still_running}"
    assert left == []
    assert run.make.returncode == -signum
    assert not _listening(run.port)
