"""The load run's own database: a copy of the benchmark database (built first when missing),
dropped at the end."""

import os
import subprocess
import sys
import time
from pathlib import Path

import environ
import psycopg

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable


def _admin(settings: dict) -> psycopg.Connection:
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _exists(admin, name: str) -> bool:
    return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _copy_database(bench_url: str, load_name: str) -> str:
    """The benchmark database copied to ``load_name`` (built first when missing); its URL."""
    bench = environ.Env.db_url_config(bench_url)
    with _admin(bench) as admin:
        if not _exists(admin, bench["NAME"]):
            print(f"{bench['NAME']} is missing: building it with the benchmark preparation")
            subprocess.run(
                [
                    PYTHON,
                    "-c",
                    "from tests.benchmarks.__main__ import _configure, _prepare;"
                    "import os; _configure(); _prepare(float(os.environ.get('BENCH_SCALE', '1')))",
                ],
                cwd=ROOT,
                env={**os.environ, "BENCH_DATABASE_URL": bench_url},
                check=True,
            )
        admin.execute(f'DROP DATABASE IF EXISTS "{load_name}"')
        started = time.monotonic()
        _create_copy(admin, load_name, bench["NAME"])
        print(f"{load_name}: copied from {bench['NAME']} in {time.monotonic() - started:.1f} s")
    user = bench["USER"] or "postgres"
    auth = f"{user}:{bench['PASSWORD']}" if bench["PASSWORD"] else user
    return f"postgres://{auth}@{bench['HOST'] or '127.0.0.1'}:{bench['PORT'] or 5432}/{load_name}"


def _create_copy(admin, name: str, template: str, patience: float = 600) -> None:
    """TEMPLATE needs the source without other sessions: wait for a running benchmark."""
    deadline = time.monotonic() + patience
    while True:
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except psycopg.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            print(f"{template} is in use by another session; waiting for it to be free")
            time.sleep(5)


def _drop_database(bench_url: str, load_name: str) -> None:
    with _admin(environ.Env.db_url_config(bench_url)) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{load_name}" WITH (FORCE)')
