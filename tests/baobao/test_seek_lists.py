"""Every register and ledger list pages by seeking (``baobao.keyset``), as the business list
does: walking "next" from the first page shows every row once, in the list's order; "previous"
walks back; a deep page is read without OFFSET or COUNT in a fixed number of queries."""

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres.models import Adjustment, AdjustmentKind
from tests.factories import (
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    ZoneFactory,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db

PER_PAGE = 3
ROWS = 2 * PER_PAGE + 2


@dataclass
class SeekList:
    url: str
    # The module whose PER_PAGE the view reads (patched so that a few rows make three pages).
    module: str
    make: Callable[[], None]
    table: str = "table"
    pager: str = "pager"
    max_queries: int = 12
    per_page_name: str = "PER_PAGE"
    # A count the page shows per row (a correlated subquery), not a count of the list.
    per_row_count: tuple[str, ...] = ()


def _visits():
    for _ in range(ROWS):
        VisitFactory()


def _issues():
    for _ in range(ROWS):
        IssueFactory()


def _cadres():
    for n in range(ROWS):
        CadreFactory(name=f"干部{n // 2}")  # names shared in pairs: the id breaks the ties


def _adjustments():
    for n in range(ROWS):
        Adjustment.objects.create(
            entity=EntityFactory(),
            kind=AdjustmentKind.ASSIGN,
            reason="包保",
            effective_date=datetime.date(2026, 1, 1 + n // 2),
            to_cadre=CadreFactory(),
        )


def _zones():
    for n in range(ROWS):
        ZoneFactory(name=f"片区{n}")


def _unheld():
    for n in range(ROWS):
        EntityFactory(name=f"无人店{n // 2}")


LISTS = {
    "visits": SeekList(
        "inspections:visits",
        "inspections.views.office",
        _visits,
        per_row_count=('AS "N" FROM "INSPECTIONS_VISITCHECK"',),
    ),
    "issues": SeekList("inspections:issues", "inspections.views.office", _issues),
    "cadres": SeekList("cadres:list", "cadres.views.registers", _cadres),
    "adjustments": SeekList(
        "overview:adjustments",
        "cadres.views.overview",
        _adjustments,
        per_page_name="LEDGER_PER_PAGE",
    ),
    "zones": SeekList(
        "entities:zone-list",
        "entities.views.common",
        _zones,
        per_row_count=('COUNT("ENTITIES_ENTITY"."ID") FILTER',),
    ),
    "coverage, unheld": SeekList(
        "overview:coverage",
        "cadres.views.overview",
        _unheld,
        table="unheld_table",
        per_page_name="COVERAGE_PER_PAGE",
        max_queries=20,
        # the page's gap counts and the leavers' holdings, not a count of the list
        per_row_count=('AS "UNHELD"', 'AS "HOLDINGS"', ") SUBQUERY"),
    ),
}


def _pks(response, case) -> list[int]:
    return [row.pk for row in response.context[case.table].data.data]


def _bounded(sql: str) -> bool:
    """The list's total counted no further than a limit (``baobao.keyset.list_total``)."""
    return sql.startswith("SELECT COUNT(*) FROM (SELECT") and " LIMIT " in sql


def _pager(response, case):
    table = response.context[case.table]
    return getattr(table, "pager", None) or response.context[case.pager]


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, ctx.captured_queries


@pytest.mark.parametrize("name", LISTS)
def test_next_and_previous_walk_the_whole_list_by_cursor(client, monkeypatch, name):
    case = LISTS[name]
    monkeypatch.setattr(importlib.import_module(case.module), case.per_page_name, PER_PAGE)
    client.force_login(office_user(county()))
    case.make()
    url = reverse(case.url)
    # when the office follows "next" from the first page to the last
    response, _ = _get(client, url)
    first = _pks(response, case)
    pages = [first]
    while nxt := _pager(response, case).next:
        assert "after=" in nxt and "page=" not in nxt, nxt
        response, captured = _get(client, url + nxt)
        pages.append(_pks(response, case))
        # then a deep page is its ids then its rows: no OFFSET, no COUNT, a fixed number of queries
        for query in captured:
            sql = query["sql"].upper()
            assert " OFFSET " not in sql, sql
            if 'AS "UNREAD_CAPPED"' in sql:
                continue  # the signed-in user's row and unread count (baobao.auth), not the list's
            assert "COUNT(" not in sql or _bounded(sql) or any(m in sql for m in case.per_row_count)
        assert len(captured) <= case.max_queries
    # then every row is shown once, a full page at a time
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) >= ROWS
    assert [len(p) for p in pages[:-1]] == [PER_PAGE] * (len(pages) - 1)
    # and "previous" from the last page comes back through the same pages
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        previous = _pager(response, case).previous
        response, _ = _get(client, url + previous)
        back = _pks(response, case)
        assert back == expected
    assert _pager(response, case).previous is None
    # and a forged cursor starts again at the first page
    prefix = response.context[case.table].prefix or ""
    response, _ = _get(client, f"{url}?{prefix}after=eyJvIjpbXX0&{prefix}before=x")
    assert _pks(response, case) == first
