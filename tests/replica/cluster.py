"""A throwaway PostgreSQL primary and its streaming standby, built with the installed binaries.

``initdb`` a primary in a temporary directory on a spare loopback port, ``pg_basebackup -R`` a
standby from it (it streams and replays the primary's WAL, read-only: ``pg_is_in_recovery()``),
and remove both afterwards. The system cluster on 5432 is never touched. PostgreSQL refuses to
run as root, so as root every command runs as the ``postgres`` OS user (``runuser``) in a
directory it owns. Used by tests/replica (the standby-backed tests) and by the two-node load test.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandbyPair:
    """``with StandbyPair() as pair:`` a primary and a standby; ``pair.url(db, standby=True)``."""

    def __init__(self, bin_dir: Path | None = None, settings: dict | None = None):
        self.bin = bin_dir or pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)")
        self.settings = settings or {}
        self.root = Path(tempfile.mkdtemp(prefix="baobao-standby-"))
        self.primary_dir, self.standby_dir = self.root / "primary", self.root / "standby"
        self.primary_port, self.standby_port = free_port(), free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        os.chmod(self.root, 0o700)

    # -- running the binaries -------------------------------------------------------------------
    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result

    def _ctl(self, data: Path, action: str, *extra: str, check: bool = True):
        log = self.root / f"{data.name}.log"
        return self._run(
            "pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", *extra, action, check=check
        )

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "StandbyPair":
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E",
                  "UTF8", "--locale=C.UTF-8")  # fmt: skip
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.primary_port),
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "5",
            "hot_standby": "on",
            # A throwaway cluster: no durability needed, and it should be quick.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            "shared_buffers": "64MB",
            "jit": "off",
            **self.settings,
        }
        with open(self.primary_dir / "postgresql.conf", "a", encoding="utf-8") as f:
            f.writelines(f"{key} = {value}\n" for key, value in conf.items())
        # initdb --auth=trust already allows local replication connections (host 127.0.0.1/32).
        self._ctl(self.primary_dir, "start")
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U",
                  "postgres", "-D", str(self.standby_dir), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        with open(self.standby_dir / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write(f"port = {self.standby_port}\n")
        self.start_standby()
        return self

    def start_standby(self) -> None:
        self._ctl(self.standby_dir, "start")

    def stop_standby(self) -> None:
        self._ctl(self.standby_dir, "stop", "-m", "fast")

    def stop(self) -> None:
        for data in (self.standby_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                self._ctl(data, "stop", "-m", "immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "StandbyPair":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- using it -------------------------------------------------------------------------------
    def url(self, dbname: str = "postgres", *, standby: bool = False) -> str:
        port = self.standby_port if standby else self.primary_port
        return f"postgres://postgres@127.0.0.1:{port}/{dbname}"

    def connect(self, dbname: str = "postgres", *, standby: bool = False) -> psycopg.Connection:
        return psycopg.connect(
            self.url(dbname, standby=standby).replace("postgres://", "postgresql://", 1),
            autocommit=True,
            connect_timeout=5,
        )

    def create_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.wait_for_standby(name)

    def wait_for_standby(self, dbname: str = "postgres", timeout: float = 60) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with self.connect(dbname) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect(dbname, standby=True) as standby:
                    done = standby.execute(
                        "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                    ).fetchone()[0]
                if done:
                    return
            except psycopg.OperationalError:
                pass  # the database may not have arrived on the standby yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not catch up with {target} in {timeout} s")
            time.sleep(0.1)
