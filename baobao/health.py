"""Health endpoints for the load balancer and the operator, with a registry of checks.

- ``/healthz`` — liveness: the process answers. No database, no Redis: a load balancer that
  restarts on this never restarts a web process because a dependency is down.
- ``/readyz`` — readiness: every registered check, as JSON
  ``{"status": "ok"|"fail", "checks": {name: {"ok": bool, "required": bool, "detail": str}}}``;
  503 when a REQUIRED check fails. Required: the database. Reported, not required (the pages
  degrade without them, so taking every web process out of the pool would be worse): the cache,
  the broker, beat's last tick and the daily reminder runs (the dead man's switch,
  baobao/deadman.py).

Another app adds a check without editing this module, from its ``AppConfig.ready()``::

    from baobao.health import register_check

    register_check("replica", replica_lag_ok, required=False)

where ``replica_lag_ok(now) -> (ok, detail)``; an exception in a check counts as a failure.
"""

import dataclasses
import datetime
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from baobao.db_routers import replica_status

CheckFn = Callable[[datetime.datetime], tuple[bool, str]]


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    fn: CheckFn
    required: bool


_checks: dict[str, Check] = {}


def register_check(name: str, fn: CheckFn, *, required: bool = False) -> None:
    """Add (or replace) a readiness check; ``fn(now)`` answers ``(ok, detail)``."""
    _checks[name] = Check(name=name, fn=fn, required=required)


def checks_run(*, now: datetime.datetime) -> dict:
    results = {}
    for check in _checks.values():
        try:
            ok, detail = check.fn(now)
        except Exception as exc:  # a check that cannot run has failed
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
        results[check.name] = {"ok": bool(ok), "required": check.required, "detail": detail}
    return results


def check_database(now: datetime.datetime) -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, connection.vendor


def _redis_ping(url: str) -> tuple[bool, str]:
    if not url or url.startswith("memory://"):
        return True, "not used (eager tasks, local-memory cache)"
    timeout = settings.REDIS_SOCKET_TIMEOUT
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return True, "PONG"


def check_cache(now: datetime.datetime) -> tuple[bool, str]:
    location = settings.CACHES["default"].get("LOCATION", "")
    return _redis_ping(location if "redis" in settings.CACHES["default"]["BACKEND"].lower() else "")


def check_broker(now: datetime.datetime) -> tuple[bool, str]:
    return _redis_ping(settings.CELERY_BROKER_URL)


def check_replica(now: datetime.datetime) -> tuple[bool, str]:
    """The read replica (baobao/db_routers.py): reported, not required — when it is down or lags
    beyond REPLICA_MAX_LAG_SECONDS its reads already go to the primary."""
    status = replica_status()
    lag = status.get("lag_seconds")
    detail = status["detail"] or ""
    return status["ok"], f"{detail} (lag {lag:.1f} s)" if lag is not None else detail


register_check("database", check_database, required=True)
register_check("cache", check_cache)
register_check("broker", check_broker)
register_check("replica", check_replica)


def healthz(request):
    """Liveness: answers while the process can answer at all."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    results = checks_run(now=request.now)
    failed = any(r["required"] and not r["ok"] for r in results.values())
    return JsonResponse(
        {"status": "fail" if failed else "ok", "checks": results}, status=503 if failed else 200
    )
