"""Read replica routing: heavy reads a view opts into go to the ``replica`` alias; everything else
to the primary (``default``).

The default is the primary. A read goes to the replica only when all of these hold:

- the code asked for it: a view decorated with :func:`reads_from_replica` (or a class view with
  :class:`ReplicaReadMixin`), or a task inside ``with replica_reads():``;
- ``DATABASE_REPLICA_URL`` configured a ``replica`` alias (without one, nothing changes at all);
- the request or task has not written yet (every write goes through ``db_for_write``, which marks
  the scope; from then on its reads see the primary, so a write is never followed by a stale
  read);
- the user has not written in the last ``REPLICA_STICKY_SECONDS`` (read-your-writes across
  requests: :class:`ReplicaStickyMiddleware` sets a short-lived cookie on any request that wrote
  or was a POST/PUT/PATCH/DELETE);
- the replica is up and its replay lag is under ``REPLICA_MAX_LAG_SECONDS``: a cheap check,
  remembered for ``REPLICA_CHECK_SECONDS``; a replica that did not answer (connect timeout
  ``REPLICA_CONNECT_TIMEOUT``) is remembered down for ``REPLICA_RETRY_SECONDS``.

A replica that fails in the middle of an opted-in request (stopped between two checks) is marked
down and the view runs again on the primary: opted-in views only read, so running one twice is
safe. :func:`replica_status` is the check for the operator's ``/readyz``.

This is a core mechanism: it imports no app.
"""

import functools
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
STICKY_COOKIE = "bb_primary"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# True inside an opted-in view or task scope.
_wants_replica: ContextVar[bool] = ContextVar("wants_replica", default=False)
# True once the current request or task scope has written (set by the router's db_for_write).
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)
# A write the scope's reads do not depend on (a progress counter) leaves _wrote alone.
_write_apart: ContextVar[bool] = ContextVar("write_apart", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


class _Health:
    """The replica's last known state, per process: (checked at, usable, lag, reason)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = None
        self.usable = False
        self.lag = None
        self.reason = "not checked"
        self.down_until = 0.0

    def forget(self) -> None:
        with self.lock:
            self.checked_at, self.usable, self.lag, self.reason = None, False, None, "not checked"
            self.down_until = 0.0

    def mark_down(self, reason: str) -> None:
        with self.lock:
            self.checked_at = time.monotonic()
            self.usable, self.lag, self.reason = False, None, reason
            self.down_until = self.checked_at + _setting("REPLICA_RETRY_SECONDS", 30)
        logger.warning("Read replica unusable, reads go to the primary: %s", reason)


_health = _Health()

LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""


def _measure() -> tuple[bool, float | None, str]:
    """Ask the replica: (usable, lag in seconds, reason). Never raises."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        connections[REPLICA].close()
        return False, None, f"unreachable: {str(exc).strip()[:200]}"
    lag = float(lag or 0)
    if not in_recovery:
        return False, None, "not a standby (pg_is_in_recovery() is false)"
    limit = _setting("REPLICA_MAX_LAG_SECONDS", 10)
    if lag > limit:
        return False, lag, f"lagging {lag:.1f} s behind the primary (limit {limit} s)"
    return True, lag, "ok"


def replica_usable() -> bool:
    """Whether the replica may serve reads now; checked at most every REPLICA_CHECK_SECONDS."""
    if not replica_configured():
        return False
    now = time.monotonic()
    health = _health
    if now < health.down_until:
        return False
    fresh = _setting("REPLICA_CHECK_SECONDS", 5)
    if health.checked_at is not None and now - health.checked_at < fresh:
        return health.usable
    usable, lag, reason = _measure()
    if not usable and lag is None:
        health.mark_down(reason)
        return False
    with health.lock:
        health.checked_at, health.usable, health.lag, health.reason = now, usable, lag, reason
    if not usable:
        logger.warning("Read replica unusable, reads go to the primary: %s", reason)
    return usable


def replica_status() -> dict:
    """For ``/readyz``: ``ok`` is False only when a replica is configured and unusable (the app
    still works: its reads fall back to the primary; the operator should look)."""
    if not replica_configured():
        return {"ok": True, "configured": False, "detail": "no replica configured"}
    usable = replica_usable()
    return {
        "ok": usable,
        "configured": True,
        "lag_seconds": _health.lag,
        "detail": _health.reason,
    }


class ReplicaRouter:
    """``DATABASE_ROUTERS = ["baobao.db_routers.ReplicaRouter"]``."""

    def db_for_read(self, model, **hints):
        if not _wants_replica.get() or _wrote.get() or not replica_configured():
            return PRIMARY
        return REPLICA if replica_usable() else PRIMARY

    def db_for_write(self, model, **hints):
        if not _write_apart.get():
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


@contextmanager
def replica_reads():
    """The reads inside may go to the replica, until the scope (the request, or a task's
    ``write_tracking()``) has written."""
    token = _wants_replica.set(True)
    try:
        yield
    finally:
        _wants_replica.reset(token)


@contextmanager
def write_apart():
    """A write the surrounding replica scope's reads do not depend on (a progress counter): it
    goes to the primary as always but does not send the scope's later reads there."""
    token = _write_apart.set(True)
    try:
        yield
    finally:
        _write_apart.reset(token)


@contextmanager
def write_tracking():
    """One request's or task's scope for "has it written?" (the middleware opens one per
    request). Yields a callable answering that question."""
    token = _wrote.set(False)
    try:
        yield _wrote.get
    finally:
        _wrote.reset(token)


def _sticky(request) -> bool:
    return bool(request.COOKIES.get(STICKY_COOKIE))


def _replica_failure(exc: Exception) -> str | None:
    """Whether ``exc`` came from the replica: "down" (its connection is gone: stopped, restarted,
    unreachable), "query" (a statement it cancelled, e.g. a conflict with recovery on a hot
    standby), or None (the primary's, or a bug: not ours to hide)."""
    if not isinstance(exc, DatabaseError) or not replica_configured():
        return None
    conn = connections[REPLICA]
    if conn.connection is None or not conn.is_usable():
        return "down"
    # Django marks the connection an error came from (reset when the view starts).
    return "query" if conn.errors_occurred else None


def _rendered(response):
    """A TemplateResponse renders after the view returns: render it inside the replica scope, so
    that the querysets its template iterates read where the view's own queries did."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


def reads_from_replica(view):
    """Opt a function view (or a class view's dispatch, see ReplicaReadMixin) into replica reads.

    A user who wrote in the last few seconds reads the primary; a replica that fails during the
    view is marked down and the view runs once more on the primary."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not replica_configured() or _sticky(request):
            return view(request, *args, **kwargs)
        connections[REPLICA].errors_occurred = False
        try:
            with replica_reads():
                return _rendered(view(request, *args, **kwargs))
        except DatabaseError as exc:
            failure = _replica_failure(exc)
            if failure is None:
                raise
            if failure == "down":
                connections[REPLICA].close()
                _health.mark_down(f"failed during a request: {str(exc).strip()[:200]}")
            else:
                logger.warning("A replica query failed, the page is read again from the primary")
        with write_tracking():  # the failed attempt wrote nothing: the rerun reads the primary
            _wrote.set(True)
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaReadMixin:
    """Class-view form of :func:`reads_from_replica`. Put it after the access mixins
    (``class V(OfficeRequiredMixin, ReplicaReadMixin, TemplateView)``): the login and role checks
    then read the user and the session from the primary."""

    def dispatch(self, request, *args, **kwargs):
        return reads_from_replica(super().dispatch)(request, *args, **kwargs)


class ReplicaStickyMiddleware:
    """Read-your-writes across requests: a request that wrote (or was a POST/PUT/PATCH/DELETE)
    sets a cookie for REPLICA_STICKY_SECONDS, and while it is there the user's opted-in reads go
    to the primary. Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        with write_tracking() as wrote:
            response = self.get_response(request)
            if wrote() or request.method in UNSAFE_METHODS:
                response.set_cookie(
                    STICKY_COOKIE,
                    "1",
                    max_age=int(_setting("REPLICA_STICKY_SECONDS", 5)),
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        return response
