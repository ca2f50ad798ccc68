"""A production server for benchmarks: gunicorn, DEBUG off, on a free port of 127.0.0.1.

It serves the benchmark's own throw-away database: the same SQLite file (same DATA_DIR),
or the PostgreSQL test database that run.py created.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4  # 2 x cores on a 2-core machine; fixed, so that figures compare across machines
STARTUP_TIMEOUT = 60.0  # for gunicorn to answer its first request
STOP_TIMEOUT = 15.0  # for gunicorn to stop on SIGTERM before it is killed


def server_environment() -> dict[str, str]:
    """The benchmark's environment, for a production server on 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="annotator.settings",
        PYTHONUNBUFFERED="1",
    )
    env.pop("GUNICORN_CMD_ARGS", None)
    if connection.vendor != "sqlite":
        # run.py made a test database beside the named one: point the server at it.
        url = urlsplit(env["DATABASE_URL"])
        name = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = url._replace(path="/" + quote(name)).geturl()
    # SQLite: DATA_DIR is inherited, so the workers open the same file.
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, workers: int = WORKERS, app: str = "annotator.wsgi") -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *launcher,
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--chdir",
        str(ROOT),
        *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
    ]


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(server: subprocess.Popen) -> None:
    """SIGTERM (graceful), then SIGKILL to the server's own process group after a timeout."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the workers too
            server.wait(timeout=STOP_TIMEOUT)


def start(
    log: Path, workers: int = WORKERS, app: str = "annotator.wsgi"
) -> tuple[subprocess.Popen, int]:
    """Start gunicorn serving ``app``, its output in ``log``; the caller must ``stop`` it
    (try/finally)."""
    connections.close_all()  # so that the benchmark process holds no SQLite lock
    port = free_port()
    with log.open("wb") as log_file:
        server = subprocess.Popen(  # noqa: S603 - a fixed command line, no shell
            gunicorn_command(port, workers, app),
            cwd=ROOT,
            env=server_environment(),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to stop workers and all
        )
    return server, port


def wait_for_page(server: subprocess.Popen, port: int, log: Path, path: str = "/accounts/login/"):
    """Wait until an anonymous GET of ``path`` answers 200."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", path)
            if probe.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {STARTUP_TIMEOUT:.0f} s:\n{tail(log)}")
