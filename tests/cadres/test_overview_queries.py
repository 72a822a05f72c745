"""The coverage and balance pages at scale (issue 7): each runs a fixed number of queries whatever
the data, its lists keep their order, and (on PostgreSQL) no query looks up each business or
cadre once more per kind of gap or per level."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from cadres.selectors.balance import balance_idle, balance_overloaded, cadre_load_balance
from cadres.selectors.overview import coverage_below_level, coverage_counts, coverage_counts_live
from cadres.services import cadre_leave
from entities.models import Grade
from entities.services import entity_regrade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    county,
    office_user,
    wanshan_village,
)

pytestmark = pytest.mark.django_db

# The session, the user with their division and unread count (baobao.auth), the page's own
# reads and the area chooser's one (its trail and children together). Coverage: the counts, its
# three lists, the hand-offs passed up and the count of those waiting for the office. Balance:
# the loads, the child divisions, the overloaded and the idle.
# Seek paging reads a table's page in two queries when it has rows: its ids, then their rows.
# (The gaps' counts: two small sums of the running counts, cadres.tallies; the area chooser: one.)
COVERAGE_QUERIES = 12
BALANCE_QUERIES = 9


def page_queries(client, name: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name), params or {}).status_code == 200
    return [query["sql"] for query in ctx.captured_queries]


def gaps_of_each_kind(n: int) -> None:
    """``n`` unheld businesses, ``n`` held by a cadre who left, ``n`` held below level."""
    for _ in range(n):
        EntityFactory()
        leaver = CadreFactory(level=Level.VILLAGE)
        AssignmentFactory(cadre=leaver)
        cadre_leave(cadre=leaver, reason="调离", by=None)
        holding = AssignmentFactory()
        entity_regrade(entity=holding.entity, new_grade=Grade.C, reason="升级", by=None)


def cadres_with_loads(n: int) -> None:
    """``n`` village cadres holding 0 to 11 businesses, so that some are idle or overloaded."""
    for i in range(n):
        cadre = CadreFactory(level=Level.VILLAGE)
        for _ in range(0 if i % 5 == 0 else (11 if i % 7 == 0 else 2)):
            AssignmentFactory(cadre=cadre)


def test_the_coverage_page_runs_a_fixed_number_of_queries(client):
    # given a county office and a few gaps of each kind
    client.force_login(office_user(county()))
    gaps_of_each_kind(2)
    # when the page is read with few gaps, then with many, then filtered
    few = page_queries(client, "overview:coverage")
    gaps_of_each_kind(28)
    many = page_queries(client, "overview:coverage")
    filtered = page_queries(client, "overview:coverage", {"grade": Grade.C})
    # then the number of queries is the same each time
    assert len(few) == len(many) == COVERAGE_QUERIES
    assert len(filtered) <= COVERAGE_QUERIES


def test_the_balance_page_runs_a_fixed_number_of_queries(client):
    client.force_login(office_user(county()))
    cadres_with_loads(4)
    few = page_queries(client, "overview:balance")
    cadres_with_loads(36)
    many = page_queries(client, "overview:balance")
    assert len(few) <= len(many) == BALANCE_QUERIES
    # and not one of them counts a cadre's holdings: the loads are kept (cadres.loads)
    assert not [sql for sql in many if "cadres_assignment" in sql], many


def test_holdings_below_level_are_listed_by_business_name_then_holding(client):
    # given three regraded businesses, two of them with the same name, among held ones that are
    # fine (graded D, or C held by a township cadre)
    holdings = []
    for name in ("乙店", "甲店", "乙店"):
        holding = AssignmentFactory(entity=EntityFactory(name=name, grade=Grade.D))
        entity_regrade(entity=holding.entity, new_grade=Grade.C, reason="升级", by=None)
        holdings.append(holding)
    AssignmentFactory(entity=EntityFactory(name="丙店", grade=Grade.D))
    AssignmentFactory(
        entity=EntityFactory(name="丁店", grade=Grade.C), cadre=CadreFactory(level=Level.TOWNSHIP)
    )
    # when the county office reads them
    rows = list(coverage_below_level(user=office_user(county())))
    # then they come by name, a shared name by holding
    expected = sorted(holdings, key=lambda h: (h.entity.name, h.pk))
    assert rows == expected
    assert coverage_counts(user=office_user(county()))["below_level"] == 3


def test_the_coverage_counts_keep_to_the_scope_and_the_filters():
    # given a leaver holding one business in 碧江区 and one in 万山区, and a regraded business in
    # each county
    leaver = CadreFactory(level=Level.VILLAGE)
    AssignmentFactory(cadre=leaver)
    AssignmentFactory(cadre=leaver, entity=EntityFactory(division=wanshan_village()))
    cadre_leave(cadre=leaver, reason="调离", by=None)
    for division in (None, wanshan_village()):
        entity = EntityFactory(grade=Grade.D, **({"division": division} if division else {}))
        holding = AssignmentFactory(entity=entity, cadre=CadreFactory(level=Level.VILLAGE))
        entity_regrade(entity=holding.entity, new_grade=Grade.B, reason="升级", by=None)
    # then 碧江区 counts its own, the admin both, and a grade filter narrows each count
    assert coverage_counts(user=office_user(county())) == {
        "unheld": 0,
        "held_by_left": 1,
        "below_level": 1,
        "total": 2,
    }
    assert coverage_counts(user=admin_user())["held_by_left"] == 2
    assert coverage_counts(user=admin_user())["below_level"] == 2
    assert coverage_counts(user=admin_user(), grade=Grade.C)["below_level"] == 0


def test_idle_and_overloaded_cadres_are_the_chart_s_extremes():
    # given village cadres with loads 0, 0, 2, 2, 2, 11 (median 2, threshold 5)
    for load in (0, 0, 2, 2, 2, 11):
        cadre = CadreFactory(name=f"干部{load}", level=Level.VILLAGE)
        for _ in range(load):
            AssignmentFactory(cadre=cadre)
    user = office_user(county())
    (stats,) = cadre_load_balance(user=user)["levels"]
    # then the lists hold exactly the cadres the figures count
    overloaded = list(balance_overloaded(user=user, thresholds={stats.level: stats.threshold}))
    assert [(c.name, c.load) for c in overloaded] == [("干部11", 11)] and stats.overloaded == 1
    assert [c.name for c in balance_idle(user=user)] == ["干部0", "干部0"] and stats.idle == 2


# --- the shape of the queries (PostgreSQL) ----------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are checked on PostgreSQL"
)


@on_postgresql
def test_the_counts_gather_the_leavers_and_below_level_holdings_once():
    # given a gap of each kind
    gaps_of_each_kind(1)
    user = office_user(county())
    with CaptureQueriesContext(connection) as ctx:
        counted = coverage_counts_live(user=user)
    queryset_sql = ctx.captured_queries[-1]["sql"]
    # when PostgreSQL plans the counts
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN VERBOSE {queryset_sql}")
        output = cursor.fetchall()[1][0]
    # then the leavers' and the below-level holdings are each read once and hashed; only the
    # unheld lookup runs per business
    assert output.count("(hashed SubPlan") == 2, output
    assert output.count("(SubPlan") == 1, output
    # and the office's counts, from the running counts, are the same
    assert coverage_counts(user=user) == counted


@on_postgresql
def test_the_below_level_list_is_sorted_after_its_rows_are_found():
    gaps_of_each_kind(1)
    plan = coverage_below_level(user=office_user(county()))[:26].explain()
    # a sort of the rows found, never a walk of a name index waiting for a page to fill
    lines = [line.strip() for line in plan.splitlines()]
    sort_key = next(line for line in lines if "Sort Key:" in line)
    assert "entities_entity.name" in sort_key and "||" in sort_key, plan
    # the page's limit is taken off that sort (a name index may still look up one row inside
    # the join, but nothing reads the rows in name order to fill the page)
    assert lines[0].startswith("Limit") and lines[1].startswith("->  Sort"), plan


def test_the_overloaded_and_idle_read_the_kept_loads_without_counting_holdings():
    user = office_user(county())
    overloaded = str(balance_overloaded(user=user, thresholds=dict.fromkeys(Level, 5.0)).query)
    idle = str(balance_idle(user=user).query)
    # the loads come from the marks (cadres.loads), never a count of each cadre's holdings
    for sql in (overloaded, idle):
        assert "COUNT(" not in sql and "cadres_assignment" not in sql, sql
        assert "cadres_cadreload" in sql, sql
    # the overloaded are found above the smallest threshold first (the marks' index)
    assert '"cadres_cadreload"."load" > 5' in overloaded, overloaded
