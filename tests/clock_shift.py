"""Run the whole test session as if today were another day: ``pytest --as-of=2027-01-01``
(or ``AS_OF=2027-01-01`` in the environment; ``make test AS_OF=…``).

The clock is moved with time-machine before any test runs and keeps ticking from 09:30 Asia/Shanghai
on that day, for the test process and the Celery worker threads it starts. A test that needs a
particular date pins it itself (``time_machine.travel(..., tick=False)``), which nests inside the
shift. The database server's own clock is not moved, so no code may ask PostgreSQL for ``now()``
(tests/baobao/test_clock.py holds the code to reading one clock, in Python).
"""

import datetime
import os
import zoneinfo

import time_machine

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def pytest_addoption(parser):
    parser.addoption(
        "--as-of",
        default=os.environ.get("AS_OF") or None,
        metavar="YYYY-MM-DD",
        help="run the session as if today were this date (the clock ticks from 09:30 that day)",
    )


def pytest_configure(config):
    value = config.getoption("--as-of")
    if not value:
        return
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"--as-of must be YYYY-MM-DD, not {value!r}") from None
    start = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=SHANGHAI)
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    config._baobao_clock_shift = (traveller, start)


def pytest_unconfigure(config):
    shift = getattr(config, "_baobao_clock_shift", None)
    if shift is not None:
        shift[0].stop()


def pytest_report_header(config):
    shift = getattr(config, "_baobao_clock_shift", None)
    if shift is not None:
        return f"clock: shifted to {shift[1]:%Y-%m-%d %H:%M} Asia/Shanghai, ticking"
    return None
