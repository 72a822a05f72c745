"""Real parts that a fault test can break: a private Redis server (stopped and started again on
the same port), a tiny SMTP server that records what it receives or accepts and never answers,
and Celery worker and beat processes (``celery -A baobao ...``) that a test can SIGKILL.

Never the shared Redis or PostgreSQL servers: everything here runs on spare ports in a temporary
directory and is stopped by the test that started it.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run the tests on PostgreSQL (DATABASE_URL)")
        pytest.skip("a worker process needs PostgreSQL")


class PrivateRedis:
    """``redis-server`` on a spare port, no persistence; ``stop()`` and ``start()`` again."""

    def __init__(self, tmp: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            if IN_CI:
                pytest.fail("CI needs redis-server on PATH for the fault tests")
            pytest.skip("redis-server is not installed")
        self.port = spare_port()
        self.dir = tmp
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(up, timeout=30, what="redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)


class SmtpSink:
    """A minimal SMTP server in a thread. ``mode="accept"`` records each message's recipients;
    ``mode="hang"`` accepts the TCP connection and never says a word. ``hold`` (a set of
    addresses) makes the server wait for ``release`` before answering a message to one of them
    (the message counts as received: a real server would deliver it)."""

    def __init__(self, *, mode: str = "accept", port: int | None = None):
        self.mode = mode
        self.port = port or spare_port()
        self.received: list[str] = []
        self.hold: set[str] = set()
        self.holding = threading.Event()
        self.release = threading.Event()
        self._sock = None
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []

    def start(self) -> "SmtpSink":
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(50)
        self._sock.settimeout(0.2)
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.release.set()
        if self._sock:
            self._sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.append(conn)
            if self.mode == "hang":
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        reader = conn.makefile("rb")

        def say(line: str):
            conn.sendall(line.encode() + b"\r\n")

        try:
            say("220 sink ready")
            rcpts: list[str] = []
            while True:
                line = reader.readline()
                if not line:
                    return
                verb = line.decode(errors="replace").strip()
                upper = verb.upper()
                if upper.startswith(("EHLO", "HELO")):
                    say("250 sink")
                elif upper.startswith("MAIL FROM"):
                    rcpts = []
                    say("250 ok")
                elif upper.startswith("RCPT TO"):
                    rcpts.append(verb.split(":", 1)[1].strip().strip("<>"))
                    say("250 ok")
                elif upper == "DATA":
                    say("354 go on")
                    while reader.readline() not in (b".\r\n", b".\n", b""):
                        pass
                    self.received.extend(rcpts)
                    if self.hold & set(rcpts):
                        self.holding.set()
                        self.release.wait()
                        return  # the connection dies with the worker: no reply
                    say("250 queued")
                elif upper == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("250 ok")
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def database_url_for_workers() -> str:
    """The DATABASE_URL of the test database this process writes to (a worker process must
    read the same rows)."""
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


def celery_env(redis_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for_workers(),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class CeleryProcess:
    """``celery -A baobao worker|beat ...`` as a child process, its output in a file."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "baobao", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost host would: no cleanup of any kind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill()
        self._out.close()


def worker(env: dict, log: Path, *, queues: str, name: str) -> CeleryProcess:
    return CeleryProcess(
        [
            "worker",
            "-P",
            "solo",
            "-Q",
            queues,
            "-n",
            f"{name}@%h",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env,
        log,
    )


def wait_ready(process: CeleryProcess, *, timeout: float = 90) -> None:
    wait_for(
        lambda: "ready." in process.output() or process.process.poll() is not None,
        timeout=timeout,
        what="the worker to start",
    )
    assert process.process.poll() is None, process.output()[-3000:]
