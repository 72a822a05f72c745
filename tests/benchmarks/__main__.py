"""``make bench``: build the benchmark database if needed, run every case, print the table and
write BENCHMARKS.md.

    BENCH_DATABASE_URL  PostgreSQL database to use (created if missing);
                        default postgres://postgres@127.0.0.1:5432/baobao_bench_<scale>
    BENCH_SCALE         seed_demo --scale for a fresh database (default 25: a province of about a
                        million businesses, ~10 minutes to generate; 1 is one Tongren-sized city)
    BENCH_ONLY          run only the cases whose module name contains this text; the table is
                        printed and BENCHMARKS.md (the full run's record) is left as it is
"""

import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

# One database per scale, so a province and a one-city demo never meet under one name.
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/baobao_bench_{scale:g}"
DEFAULT_SCALE = "25"
ROOT = Path(__file__).resolve().parents[2]


def _configure() -> None:
    scale = float(os.environ.get("BENCH_SCALE", DEFAULT_SCALE))
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", DEFAULT_URL.format(scale=scale)
    )
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
    _analyze()


def _analyze() -> None:
    """Fresh planner statistics and visibility maps, as autovacuum leaves a live database (this
    server runs with autovacuum off). Without statistics the planner guesses a handful of rows
    per table and picks nested loops that take a minute where a hash join takes 35 ms (the list's
    "without a cadre" filter); without the visibility map no index-only scan skips the table (the
    list's page of ids, the holdings probed for each business)."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"statistics ready ({time.monotonic() - started:.0f} s for VACUUM (ANALYZE))")


def _cases(only: str):
    from tests import benchmarks

    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name.startswith("cases_") and only in module.name:
            yield from importlib.import_module(f"tests.benchmarks.{module.name}").cases()


def _table(results) -> list[str]:
    lines = [
        "| case | median ms | p95 ms | DB ms | overhead | rate | peak MB | target | verdict | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in results:
        db = f"{r.db_ms:.1f}" if r.db_ms is not None else "—"
        rate = f"{r.rate:,.0f} {r.rate_unit}" if r.rate is not None else "—"
        peak = f"{r.peak_mb:.0f}" if r.peak_mb is not None else "—"
        lines.append(
            f"| {r.case} | {r.median_ms:,.1f} | {r.p95_ms:,.1f} | {db} | {r.overhead} | {rate} "
            f"| {peak} | {r.target} | {r.verdict} | {r.note} |"
        )
    return lines


def _sections(results) -> list[str]:
    """One table per section, in the order the sections first appear."""
    lines = []
    for section in dict.fromkeys(r.section for r in results):
        lines += [f"## {section}", "", *_table([r for r in results if r.section == section]), ""]
    return lines


def _data_size() -> str:
    from cadres.models import Cadre
    from entities.models import Entity
    from inspections.models import Issue, Visit

    counts = [
        (Entity, "businesses"),
        (Cadre, "cadres"),
        (Visit, "visits"),
        (Issue, "issues"),
    ]
    return ", ".join(f"{model.objects.count():,} {name}" for model, name in counts)


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
    scale = float(os.environ.get("BENCH_SCALE", DEFAULT_SCALE))
    only = os.environ.get("BENCH_ONLY", "")
    _prepare(scale)
    started = time.monotonic()
    results = []
    for result in _cases(only):
        print(
            f"  [{result.section}] {result.case}: median {result.median_ms:,.1f} ms, "
            f"p95 {result.p95_ms:,.1f} ms, {result.verdict}",
            flush=True,
        )
        results.append(result)
    minutes = (time.monotonic() - started) / 60
    sections = _sections(results)
    print("\n".join(sections))
    command = f"make bench BENCH_SCALE={scale:g}" + (f" BENCH_ONLY={only}" if only else "")
    missed = [r for r in results if r.passed is False]
    report = [
        "# Benchmarks",
        "",
        f"Machine: {_machine()}.",
        f"Data: `seed_demo --scale {scale:g}`: {_data_size()}.",
        f"Reproduce: `{command}` ({minutes:.0f} min for the cases).",
        "The load test (`make load`: 50 cadres logging visits and 10 clerks browsing, against",
        "gunicorn) writes its own table to `tests/benchmarks/load/LOAD.md`.",
        "",
        "Pages are requests through the full Django stack (middleware, view, template) with the",
        "in-process test client: median and p95 of repeated requests after a warm-up. DB ms is the",
        "database's own planning + execution time (EXPLAIN ANALYZE) of the SELECTs one request",
        "makes; overhead = median / DB ms. Jobs (export, import, reminders) run once each in a",
        "child process: median = p95 = wall time, rate = rows (or messages) per second, peak MB =",
        "the child's peak resident memory (its Python and Django included). Whatever a case",
        "writes is rolled back. Targets are issue 7's; a row with no target is for comparison.",
        "",
        f"Targets missed: {len(missed)} of {sum(1 for r in results if r.passed is not None)}"
        + (": " + "; ".join(r.case for r in missed) + "." if missed else "."),
        "",
        *sections,
    ]
    if only:
        print(f"BENCH_ONLY={only}: BENCHMARKS.md left as it is (it records full runs only)")
    else:
        (ROOT / "BENCHMARKS.md").write_text("\n".join(report), encoding="utf-8")
    if missed:
        print(f"targets missed: {', '.join(r.case for r in missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
