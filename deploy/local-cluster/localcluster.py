"""The production shape on one machine: two web nodes and a task worker, each in its own network
namespace with its own address, behind HAProxy on the host, all sharing the host's PostgreSQL
and Redis, and an SMTP server for the e-mail they send.

Read it as a deployment example. Each node runs what a production machine runs: gunicorn
(``config.wsgi``) for web, ``manage.py db_worker`` for the task queue, both with the production
settings (``DJANGO_ENV=production``, ``SECRET_KEY`` and ``ALLOWED_HOSTS`` set, ``DEBUG`` off, one
trusted proxy). Only two things are particular to a single machine: the addresses come from
network namespaces on a bridge (``network.sh``), and the nodes reach the host's PostgreSQL and
Redis, which listen on loopback, through a TCP forward on the bridge address (socat).

    python deploy/local-cluster/localcluster.py up --prepare   # `make cluster`
    python deploy/local-cluster/localcluster.py status
    python deploy/local-cluster/localcluster.py down           # `make cluster-down`

``up`` needs root, ``ip``, ``haproxy``, ``socat`` and ``openssl`` (``packages.sh`` installs them
on Debian). The tests under ``tests/cluster/`` drive the same ``Cluster`` class.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

NET = os.environ.get("CLUSTER_NET", "10.231.0")  # the /24 of network.sh
BRIDGE_ADDRESS = f"{NET}.1"
NODE_ADDRESSES = {"web1": f"{NET}.11", "web2": f"{NET}.12", "worker": f"{NET}.21"}
WEB_PORT = 8000
SMTP_PORT = 2525
PROXY_ADDRESS = ("127.0.0.1", 8443)
PROXY_URL = f"https://{PROXY_ADDRESS[0]}:{PROXY_ADDRESS[1]}"
TOOLS = ("ip", "haproxy", "socat", "openssl")
DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379}
# Sync workers per web node: a small machine runs two nodes and the worker side by side.
WEB_WORKERS = int(os.environ.get("CLUSTER_WEB_WORKERS", "3"))


class ClusterError(RuntimeError):
    """The cluster could not be built or a part of it did not come up."""


def namespace(node: str) -> str:
    """The network namespace of ``node`` ("web1", "web2" or "worker"; more workers share the
    worker's)."""
    return "consult-" + ("worker" if node.startswith("worker") else node)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def forwarded(url: str) -> tuple[str, int]:
    """``url`` as a node sees it: the host's loopback service on the bridge address, same
    port; and that port. Only a service on the host's loopback can be forwarded: a node has
    no route to anywhere else."""
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise ClusterError(
            f"{parts.scheme}:// on {parts.hostname!r}: the cluster forwards only services on "
            "the host's loopback (127.0.0.1)."
        )
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + f"{BRIDGE_ADDRESS}:{port}"
    return parts._replace(netloc=netloc).geturl(), port


class Cluster:
    """The processes of the local cluster and what they share, kept in ``run_dir``.

    ``run_dir`` holds each process's log (``logs/``), the pid and start time of each process
    started (``pids/``, checked before any signal, so that a reused pid is never signalled), the
    proxy's certificate, the secret key the web nodes share, and the SMTP server's mailbox.
    """

    def __init__(
        self,
        run_dir: Path,
        *,
        database_url: str,
        redis_url: str,
        settings: dict[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.run_dir = Path(run_dir).resolve()
        self.database_url = database_url
        self.redis_url = redis_url
        self.settings = dict(settings or {})
        self.python = python
        self.logs = self.run_dir / "logs"
        self.pids = self.run_dir / "pids"
        self.mailbox = self.run_dir / "mailbox"
        self.certificate = self.run_dir / "proxy-cert.pem"

    # Bringing it up and down ---------------------------------------------------------------

    def up(self) -> None:
        """Build the network and start every part; returns once HAProxy sees both web nodes
        healthy. Anything left from an earlier run is
        removed first. Raises ClusterError, with the log that explains it, if a part fails."""
        if os.geteuid() != 0:
            raise ClusterError("the local cluster needs root (network namespaces, a bridge).")
        if missing_tools():
            raise ClusterError(
                f"missing {', '.join(missing_tools())}: run deploy/local-cluster/packages.sh"
            )
        self.down()
        for folder in (self.logs, self.mailbox):
            shutil.rmtree(folder, ignore_errors=True)
        for folder in (self.logs, self.pids, self.mailbox, self.run_dir / "media"):
            folder.mkdir(parents=True, exist_ok=True)
        self._run([str(HERE / "network.sh"), "up"])
        self._write_certificate()
        for url in (self.database_url, self.redis_url):
            self._start_forward(url)
        self.start_smtp()
        for node in ("web1", "web2"):
            self.start_web(node)
        self.start_proxy()
        self.start_worker("worker")
        self.wait_for_backends({"web1": "UP", "web2": "UP"})

    def down(self) -> None:
        """Stop every process of the cluster and remove the network; never fails on a part that
        is already gone, so it also cleans up after a run that was killed."""
        for ns in ("consult-web1", "consult-web2", "consult-worker"):
            self._kill_namespace(ns)
        if self.pids.is_dir():
            for record in self.pids.iterdir():
                self.stop(record.name)
        self._run([str(HERE / "network.sh"), "down"])

    def prepare_database(self) -> None:
        """For a cluster run by hand: create the database if missing, migrate it, load the seed
        data and the sample consultation with its admin account (``setup_demo``)."""
        env = self._local_env()
        self._run([self.python, str(HERE / "createdb.py")], env=env, echo=True)
        for command in (["migrate", "--noinput"], ["loadseeds"], ["setup_demo"]):
            self._run([self.python, "manage.py", *command], env=env, echo=True)

    def collect_static(self) -> None:
        """The production static files storage serves only what collectstatic listed."""
        env = self._node_env("web1")
        self._run([self.python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env)

    # Parts ---------------------------------------------------------------------------------

    def start_web(self, node: str) -> int:
        """Start gunicorn for ``node`` in its namespace; returns the master's pid once it
        listens."""
        address = NODE_ADDRESSES[node]
        pid = self._spawn(
            node,
            [
                self.python, "-m", "gunicorn", "config.wsgi",
                "--bind", f"{address}:{WEB_PORT}",
                "--workers", str(WEB_WORKERS),
                "--name", f"consult-{node}",
                # Only HAProxy, which connects from the bridge address, may say the request
                # was HTTPS.
                "--forwarded-allow-ips", BRIDGE_ADDRESS,
                "--graceful-timeout", "5",
                "--access-logfile", str(self.logs / f"{node}-access.log"),
            ],
            env=self._node_env(node),
            ns=namespace(node),
        )  # fmt: skip
        self._wait_for_port(node, address, WEB_PORT)
        return pid

    def clear(self, node: str) -> None:
        """Kill whatever still runs in ``node``'s namespace, as a service manager does with
        what is left of a service whose main process died (gunicorn workers outlive a master
        killed with SIGKILL for a while, holding its port)."""
        self._kill_namespace(namespace(node))
        (self.pids / node).unlink(missing_ok=True)

    def start_worker(self, name: str) -> int:
        """Start a task worker called ``name`` in the worker namespace."""
        return self._spawn(
            name,
            [self.python, "manage.py", "run_worker"],
            env=self._node_env(name),
            ns=namespace(name),
        )

    def start_smtp(self, delay: float = 0.0) -> int:
        """Start the SMTP server on the bridge address; ``delay`` seconds per message."""
        pid = self._spawn(
            "smtp",
            [
                self.python, str(HERE / "smtp_sink.py"),
                "--listen", f"{BRIDGE_ADDRESS}:{SMTP_PORT}",
                "--mailbox", str(self.mailbox),
                "--delay", str(delay),
            ],
        )  # fmt: skip
        self._wait_for_port("smtp", BRIDGE_ADDRESS, SMTP_PORT)
        return pid

    def start_proxy(self) -> int:
        env = {
            **os.environ,
            "CLUSTER_RUN_DIR": str(self.run_dir),
            "CLUSTER_PROXY_ADDRESS": "{}:{}".format(*PROXY_ADDRESS),
            "CLUSTER_WEB1_ADDRESS": f"{NODE_ADDRESSES['web1']}:{WEB_PORT}",
            "CLUSTER_WEB2_ADDRESS": f"{NODE_ADDRESSES['web2']}:{WEB_PORT}",
        }
        config = HERE / "haproxy.cfg"
        self._run(["haproxy", "-c", "-q", "-f", str(config)], env=env)
        pid = self._spawn("haproxy", ["haproxy", "-db", "-f", str(config)], env=env)
        self._wait_for_port("haproxy", *PROXY_ADDRESS)
        return pid

    def backends(self) -> dict[str, str]:
        """HAProxy's view of each web node: "UP", "DOWN", a transition such as "UP 1/2", or
        "UNCHECKED" before its first health check (HAProxy counts a server up until then)."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.settimeout(5)
            stats.connect(str(self.run_dir / "haproxy.sock"))
            stats.sendall(b"show stat\n")
            raw = b"".join(iter(lambda: stats.recv(65536), b""))
        rows = csv.DictReader(io.StringIO(raw.decode().lstrip("# ")))
        return {
            row["svname"]: row["status"] if row["check_status"] not in {"", "INI"} else "UNCHECKED"
            for row in rows
            if row["pxname"] == "web" and row["svname"] not in {"FRONTEND", "BACKEND"}
        }

    def wait_for_backends(self, wanted: dict[str, str], timeout: float = 30.0) -> float:
        """Wait until HAProxy shows each node in ``wanted`` with that status; returns the
        seconds waited."""
        started = time.monotonic()
        while True:
            seen = self.backends()
            if all(seen.get(node) == status for node, status in wanted.items()):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise ClusterError(f"HAProxy shows {seen}, expected {wanted}\n" + self.tail())
            time.sleep(0.1)

    # Processes -----------------------------------------------------------------------------

    def pid(self, name: str) -> int | None:
        """The pid of the process started as ``name`` while it still runs, else None."""
        record = self.pids / name
        if not record.exists():
            return None
        pid, started = (int(value) for value in record.read_text().split())
        return pid if _start_time(pid) == started else None

    def signal(self, name: str, signum: int) -> int:
        """Send ``signum`` to the process started as ``name``; returns its pid."""
        pid = self.pid(name)
        if pid is None:
            raise ClusterError(f"{name} is not running")
        os.kill(pid, signum)
        return pid

    def stop(self, name: str, timeout: float = 10.0) -> None:
        """Stop ``name`` (SIGTERM, then SIGKILL after ``timeout``) if it runs, and forget it."""
        pid = self.pid(name)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _start_time(pid) is not None and time.monotonic() < deadline:
                time.sleep(0.05)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)
        (self.pids / name).unlink(missing_ok=True)

    def tail(self, lines: int = 30) -> str:
        """The last ``lines`` of every log, to explain a failure."""
        if not self.logs.is_dir():
            return ""
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # Internals -----------------------------------------------------------------------------

    def _node_env(self, node: str) -> dict[str, str]:
        """The environment of a node: production settings, the shared services as the node
        reaches them, and the cluster's own settings."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": self._secret_key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://{PROXY_ADDRESS[0]}:{PROXY_ADDRESS[1]}",
            "DEBUG": "false",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": forwarded(self.database_url)[0],
            "REDIS_URL": forwarded(self.redis_url)[0],
            "EMAIL_HOST": BRIDGE_ADDRESS,
            "EMAIL_PORT": str(SMTP_PORT),
            "EMAIL_USE_TLS": "false",
            "MEDIA_ROOT": str(self.run_dir / "media"),
            # Compressing the API docs' bundles in collectstatic takes minutes on a small
            # machine; the nodes need only the manifest of hashed names.
            "STATIC_COMPRESS": "false",
        }
        return {**env, **self.settings}

    def _local_env(self) -> dict[str, str]:
        """The environment of a management command run on the host itself."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            **self.settings,
        }

    def _secret_key(self) -> str:
        """The key every node shares, so that sessions and signed values made on one node are
        valid on the others; made at the first use of ``run_dir``."""
        path = self.run_dir / "secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()

    def _write_certificate(self) -> None:
        """A self-signed certificate for the proxy's address; clients trust this file."""
        key = self.run_dir / "proxy-key.pem"
        self._run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7",
                "-subj", "/CN=localhost",
                "-addext", f"subjectAltName=IP:{PROXY_ADDRESS[0]},DNS:localhost",
                "-keyout", str(key), "-out", str(self.certificate),
            ]
        )  # fmt: skip
        bundle = self.run_dir / "proxy.pem"
        bundle.write_bytes(self.certificate.read_bytes() + key.read_bytes())
        bundle.chmod(0o600)

    def _start_forward(self, url: str) -> None:
        """Forward the bridge address's port to the same port on the host's loopback."""
        port = forwarded(url)[1]
        name = f"forward-{port}"
        self._spawn(
            name,
            [
                "socat",
                f"TCP-LISTEN:{port},bind={BRIDGE_ADDRESS},reuseaddr,fork,backlog=256",
                f"TCP:127.0.0.1:{port}",
            ],
        )
        self._wait_for_port(name, BRIDGE_ADDRESS, port)

    def _spawn(
        self, name: str, argv: list[str], *, env: dict[str, str] | None = None, ns: str = ""
    ) -> int:
        """Start ``argv`` (in network namespace ``ns`` if given) detached from this process,
        its output in ``logs/<name>.log``, and record its pid."""
        if ns:
            # `ip netns exec` execs the command, so the pid recorded is the command's own.
            argv = ["ip", "netns", "exec", ns, *argv]
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env if env is not None else os.environ.copy(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Popen returns once the command runs, so its /proc entry is there; only a command that
        # has already ended (a zombie) has no start time to record.
        started = _start_time(process.pid)
        if started is None:
            process.wait()
            raise ClusterError(f"{name} exited at start\n" + self.tail())
        (self.pids / name).write_text(f"{process.pid} {started}\n")
        return process.pid

    def _wait_for_port(self, name: str, host: str, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid(name) is None:
                raise ClusterError(f"{name} exited at start\n" + self.tail())
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
                return
            time.sleep(0.1)
        raise ClusterError(f"{name} does not listen on {host}:{port}\n" + self.tail())

    def _kill_namespace(self, ns: str) -> None:
        """SIGKILL every process left in ``ns``: whatever runs there belongs to the cluster."""
        listed = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        pids = [int(pid) for pid in listed.stdout.split()]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in pids:
            _wait_gone(pid)

    def _run(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        echo: bool = False,
    ) -> subprocess.CompletedProcess:
        """Run ``argv`` to its end; raises ClusterError with its output if it fails. ``echo``
        shows the output as it comes instead of keeping it."""
        result = subprocess.run(
            argv,
            cwd=ROOT,
            env=env,
            stdout=None if echo else subprocess.PIPE,
            stderr=None if echo else subprocess.STDOUT,
            text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(argv)} failed:\n{result.stdout or ''}")
        return result


def _start_time(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot, or None if no such process runs
    (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rpartition(")")[2].split()
    return None if fields[0] == "Z" else int(fields[19])


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _start_time(pid) is not None and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.02)


def from_environment(run_dir: Path) -> Cluster:
    """The cluster an operator runs by hand: the database and Redis of ``DATABASE_URL`` and
    ``REDIS_URL``, else a database of its own on the local PostgreSQL and Redis."""
    return Cluster(
        run_dir,
        database_url=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consult_cluster"
        ),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="The local cluster of consult.")
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument(
        "--prepare", action="store_true", help="create, migrate and seed the database first"
    )
    parser.add_argument(
        "--run-dir",
        type=Path,
        # Inside the project rather than a shared /tmp, where another local user could have
        # made the folder first: the cluster runs as root.
        default=Path(os.environ.get("CLUSTER_RUN_DIR", HERE / "run")),
    )
    args = parser.parse_args()
    cluster = from_environment(args.run_dir)
    try:
        if args.command == "down":
            cluster.down()
            print("The local cluster is down.")
        elif args.command == "status":
            subprocess.run([str(HERE / "network.sh"), "status"], check=False)
            print("HAProxy:", cluster.backends() if cluster.pid("haproxy") else "not running")
        else:
            if args.prepare:
                cluster.prepare_database()
            cluster.collect_static()
            cluster.up()
            print(
                f"The local cluster is up: {PROXY_URL}/ (certificate {cluster.certificate}), "
                f"logs in {cluster.logs}, e-mail in {cluster.mailbox}.\n"
                "Stop it with `make cluster-down`."
            )
    except ClusterError as error:
        sys.exit(f"local cluster: {error}")


if __name__ == "__main__":
    main()
