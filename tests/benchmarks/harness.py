"""Timing helpers: server time per call (median, p95), the database's own time for a query
(EXPLAIN ANALYZE), and a result row with its target."""

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    case: str
    median_ms: float
    p95_ms: float
    db_ms: float
    target_ms: float | None
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms <= self.target_ms

    @property
    def verdict(self) -> str:
        return {None: "—", True: "pass", False: "MISS"}[self.passed]

    @property
    def overhead(self) -> str:
        return f"{self.median_ms / self.db_ms:.1f}×" if self.db_ms else "—"


def timings(call: Callable[[], object], *, repeat: int = 20, warmup: int = 2) -> list[float]:
    """Milliseconds of ``repeat`` calls after ``warmup`` untimed ones (caches as in production)."""
    for _ in range(warmup):
        call()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
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
) -> Result:
    runs = timings(call, repeat=repeat)
    return Result(
        case=case,
        median_ms=statistics.median(runs),
        p95_ms=p95(runs),
        db_ms=db_ms(call),
        target_ms=target_ms,
        note=note,
    )
