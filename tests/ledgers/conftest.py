import io

import openpyxl
import pytest
import time_machine
from django.core.cache import cache

from tests.ledgers.dashboard_tree import TODAY, at, build_tree


def open_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(ws) -> list[tuple]:
    """The data rows of a ledger sheet (below the title, period line and header)."""
    return list(ws.iter_rows(min_row=4, values_only=True))


def header(ws) -> list[str]:
    return list(next(ws.iter_rows(min_row=3, max_row=3, values_only=True)))


@pytest.fixture
def zh():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def today():
    """The dashboard fixtures' day, with the clock stopped there."""
    with time_machine.travel(at(TODAY.isoformat(), 12), tick=False):
        yield TODAY


@pytest.fixture
def tree(today):
    """The hand-counted county of the dashboard and report tests (see dashboard_tree.py), on a
    clean cache so no figure comes from an earlier test."""
    cache.clear()
    yield build_tree()
    cache.clear()
