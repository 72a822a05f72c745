"""One clock per request or task.

The wall clock is read once, at the boundary — a request (``ClockMiddleware`` sets
``request.now`` and ``request.today``), a Celery task (``task_prerun``) or a management command —
and that one reading is what everything below works with:

- reads (selectors, filters, tables, forms, reports, dashboards) take ``today``/``now`` as
  keyword arguments, passed down from the boundary, so a report "as of" a past day is the same
  code with another date, and a page never filters by one reading and labels by another;
- writes stamp the boundary's reading: ``clock.now()``/``clock.today()`` answer the instant the
  boundary read for as long as it lasts (a context variable), and the wall clock only outside
  any boundary (a shell, a unit test).

No other module reads the wall clock: ``tests/baobao/test_clock.py`` fails on a
``timezone.now()``, ``timezone.localdate()``, ``date.today()`` or ``datetime.now()`` anywhere else.
"""

import contextlib
import datetime
from contextvars import ContextVar

from django.utils import timezone

_reading: ContextVar[datetime.datetime | None] = ContextVar("baobao_clock", default=None)


def read() -> datetime.datetime:
    """The wall clock itself: for a boundary to read once and pass down."""
    return timezone.now()


def now() -> datetime.datetime:
    """The boundary's instant (aware), or the wall clock outside any boundary."""
    return _reading.get() or read()


def today() -> datetime.date:
    """The boundary's local (Asia/Shanghai) date, or today's outside any boundary."""
    return local_day(now())


def local_day(instant: datetime.datetime) -> datetime.date:
    """The local date of an aware instant."""
    return timezone.localdate(instant)


@contextlib.contextmanager
def frozen(instant: datetime.datetime | None = None):
    """A boundary: within it ``now()`` answers ``instant`` (read now when not given)."""
    instant = instant or read()
    token = _reading.set(instant)
    try:
        yield instant
    finally:
        _reading.reset(token)


class ClockMiddleware:
    """Reads the clock once per request: ``request.now`` (aware) and ``request.today`` (local),
    and the same reading for the writes the request makes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with frozen() as instant:
            request.now = instant
            request.today = local_day(instant)
            return self.get_response(request)
