"""``make bench``: build the benchmark database if needed, run every case, print the table and
write BENCHMARKS.md.

    BENCH_DATABASE_URL  PostgreSQL database to use (created if missing);
                        default postgres://postgres@127.0.0.1:5432/baobao_bench
    BENCH_SCALE         seed_demo --scale for a fresh database (default 1: one Tongren-sized city)
    BENCH_ONLY          run only the cases whose module name contains this text
"""

import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/baobao_bench"
ROOT = Path(__file__).resolve().parents[2]


def _configure() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baobao.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _create_database() -> None:
    import psycopg
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _prepare(scale: float) -> None:
    from django.core.management import call_command

    _create_database()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", scale=scale, verbosity=0)
    print(f"database ready ({time.monotonic() - started:.0f} s for seed_demo --scale {scale})")


def _cases(only: str):
    from tests import benchmarks

    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name.startswith("cases_") and only in module.name:
            yield from importlib.import_module(f"tests.benchmarks.{module.name}").cases()


def _table(results) -> list[str]:
    lines = [
        "| case | median ms | p95 ms | DB ms | overhead | target p95 ms | verdict | note |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = f"{r.target_ms:.0f}" if r.target_ms is not None else "—"
        lines.append(
            f"| {r.case} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {r.db_ms:.1f} | {r.overhead} "
            f"| {target} | {r.verdict} | {r.note} |"
        )
    return lines


def _machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{platform.machine()} · {os.cpu_count()} cores{memory} · Python "
        f"{platform.python_version()} · PostgreSQL {pg}"
    )


def main() -> int:
    _configure()
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    _prepare(scale)
    results = []
    for result in _cases(os.environ.get("BENCH_ONLY", "")):
        print(f"  {result.case}: median {result.median_ms:.1f} ms, p95 {result.p95_ms:.1f} ms")
        results.append(result)
    table = _table(results)
    print("\n".join(table))
    report = [
        "# Benchmarks",
        "",
        f"Machine: {_machine()}.",
        f"Data: `seed_demo --scale {scale}`. Reproduce: `make bench BENCH_SCALE={scale}`.",
        "Server time is measured in-process through the code a request runs (median and p95 of",
        "repeated calls after a warm-up); DB ms is the database's own planning + execution time",
        "(EXPLAIN ANALYZE) of the same queries; overhead = median / DB ms.",
        "",
        *table,
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(report), encoding="utf-8")
    missed = [r.case for r in results if r.passed is False]
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
