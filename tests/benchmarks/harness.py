"""Timing helpers: server time per call (median, p95), the database's own time for a query
(EXPLAIN ANALYZE), requests through the full Django stack, jobs measured in a child process (wall
time, throughput, peak memory), and a result row with its targets."""

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[2]
# A case whose warm call takes longer than this is repeated only SLOW_REPEAT times, so that the
# suite stays bounded at province scale; the note of the row says so.
SLOW_MS = 1500
SLOW_REPEAT = 3


@dataclass
class Result:
    case: str
    median_ms: float
    p95_ms: float
    db_ms: float | None
    target_ms: float | None
    note: str = ""
    section: str = "Selectors"
    # Jobs: units per second (and their unit), with an optional floor.
    rate: float | None = None
    rate_unit: str = "rows/s"
    target_rate: float | None = None
    # Jobs run in a child process: its peak resident memory, with an optional ceiling.
    peak_mb: float | None = None
    target_mb: float | None = None

    def checks(self) -> list[bool]:
        checks = []
        if self.target_ms is not None:
            checks.append(self.p95_ms <= self.target_ms)
        if self.target_rate is not None:
            checks.append(self.rate is not None and self.rate >= self.target_rate)
        if self.target_mb is not None:
            checks.append(self.peak_mb is not None and self.peak_mb <= self.target_mb)
        return checks

    @property
    def passed(self) -> bool | None:
        checks = self.checks()
        return all(checks) if checks else None

    @property
    def verdict(self) -> str:
        return {None: "—", True: "pass", False: "MISS"}[self.passed]

    @property
    def overhead(self) -> str:
        return f"{self.median_ms / self.db_ms:.1f}×" if self.db_ms else "—"

    @property
    def target(self) -> str:
        parts = []
        if self.target_ms is not None:
            parts.append(f"p95 ≤ {self.target_ms:,.0f} ms")
        if self.target_rate is not None:
            parts.append(f"≥ {self.target_rate:,.0f} {self.rate_unit}")
        if self.target_mb is not None:
            parts.append(f"≤ {self.target_mb:,.0f} MB")
        return "; ".join(parts) or "—"


def timings(call: Callable[[], object], *, repeat: int = 20, warmup: int = 2) -> list[float]:
    """Milliseconds of ``repeat`` calls after ``warmup`` untimed ones (caches as in production).
    A call slower than SLOW_MS when warm is repeated only SLOW_REPEAT times."""
    first = 0.0
    for _ in range(warmup):
        started = time.perf_counter()
        call()
        first = (time.perf_counter() - started) * 1000
    if first > SLOW_MS:
        repeat = min(repeat, SLOW_REPEAT)
    # What the earlier cases left on this process's heap is not the case's: collected and frozen
    # before the timed calls, as a gunicorn worker freezes its start-up heap (baobao/wsgi.py), so
    # a full collection times the case's own garbage, not the whole run's.
    gc.collect()
    gc.freeze()
    runs = []
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            runs.append((time.perf_counter() - started) * 1000)
    finally:
        gc.unfreeze()
    return runs


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def db_ms(call: Callable[[], object]) -> float:
    """The database's own time for the SELECTs one ``call`` makes: each is run again under
    EXPLAIN ANALYZE (PostgreSQL) and planning plus execution times are summed."""
    with CaptureQueriesContext(connection) as captured:
        call()
    total = 0.0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
            plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            total += plan[0]["Execution Time"] + plan[0].get("Planning Time", 0)
    return total


def measure(
    case: str,
    call: Callable[[], object],
    *,
    target_ms: float | None = None,
    repeat: int = 20,
    note: str = "",
    section: str = "Selectors",
) -> Result:
    runs = timings(call, repeat=repeat)
    if len(runs) < repeat:
        note = f"{note}; slow: {len(runs)} runs".lstrip("; ")
    return Result(
        case=case,
        median_ms=statistics.median(runs),
        p95_ms=p95(runs),
        db_ms=db_ms(call),
        target_ms=target_ms,
        note=note,
        section=section,
    )


# --- requests through the full Django stack -----------------------------------------------------


def client_for(user) -> Client:
    """A test client logged in as ``user`` (a session row, no password, no axes check)."""
    client = Client()
    client.force_login(user)
    return client


def getter(client: Client, url: str, *, status: int = 200) -> Callable[[], object]:
    """A call that GETs ``url`` through every middleware and the template, and checks the status
    (a benchmark of an error page would measure nothing)."""

    def call():
        response = client.get(url)
        if response.status_code != status:
            raise AssertionError(f"GET {url}: {response.status_code}, expected {status}")
        # Drain a streamed body, as a server would.
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        return response

    return call


@contextmanager
def rolled_back() -> Iterator[None]:
    """Everything inside, requests included (in-process, same connection), is rolled back: the
    benchmark database is left as it was."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- jobs in a child process --------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(probe: str, **arguments) -> dict:
    """Run ``tests.benchmarks.probes <probe>`` in a fresh interpreter (same environment and
    database) and return what it reports: its own peak memory is then the job's, not the suite's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.probes", probe, json.dumps(arguments)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"probe {probe} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def job_result(
    case: str,
    report: dict,
    *,
    section: str,
    target_ms: float | None = None,
    target_rate: float | None = None,
    target_mb: float | None = None,
    rate_unit: str = "rows/s",
    note: str = "",
) -> Result:
    """A row for one run of a job reported by a probe: wall time (median = p95: one run), units
    per second and the child's peak memory."""
    wall = report["seconds"] * 1000
    return Result(
        case=case,
        median_ms=wall,
        p95_ms=wall,
        db_ms=None,
        target_ms=target_ms,
        note=note,
        section=section,
        rate=report.get("rate"),
        rate_unit=rate_unit,
        target_rate=target_rate,
        peak_mb=report.get("peak_mb"),
        target_mb=target_mb,
    )
