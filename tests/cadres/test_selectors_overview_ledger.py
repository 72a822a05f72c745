"""The overview's reads: the adjustment ledger, the home figures, and (on PostgreSQL) the indexes that serve them."""

import datetime

import pytest
from django.db import connection

from baobao.models import Level
from cadres.filters_overview import AdjustmentFilterForm, AreaFilterForm
from cadres.models import Adjustment, AdjustmentKind
from cadres.selectors.overview import (
    adjustment_list,
    balance_idle,
    cadre_level_counts,
    coverage_below_level,
    coverage_counts,
    coverage_left_cadres,
    coverage_unheld,
    entity_grade_counts,
)
from entities.models import Grade
from tests.cadres.selectors_overview_support import TODAY
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    county,
    office_user,
    second_township,
    second_village,
    township,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


# --- the ledger -------------------------------------------------------------------------------


def adjustment(entity, kind=AdjustmentKind.ASSIGN, days_ago=0, **fields):
    return Adjustment.objects.create(
        entity=entity,
        kind=kind,
        reason="测试",
        effective_date=TODAY - datetime.timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def ledger():
    a, b = (
        CadreFactory(name="甲", level=Level.VILLAGE),
        CadreFactory(name="乙", level=Level.VILLAGE),
    )
    here = EntityFactory(name="环北店")
    there = EntityFactory(name="川硐店", division=second_village())
    rows = {
        "old": adjustment(here, days_ago=40, to_cadre=a),
        "transfer": adjustment(
            here, AdjustmentKind.TRANSFER, days_ago=10, from_cadre=a, to_cadre=b
        ),
        "other": adjustment(there, days_ago=5, to_cadre=CadreFactory(division=second_village())),
        "end": adjustment(there, AdjustmentKind.END, days_ago=1),
        "wanshan": adjustment(EntityFactory(division=wanshan_village())),
    }
    return {"a": a, "b": b, **rows}


def test_ledger_is_scoped_and_newest_first(ledger):
    rows = list(adjustment_list(user=office_user(county())))
    assert rows == [ledger["end"], ledger["other"], ledger["transfer"], ledger["old"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": AdjustmentKind.TRANSFER}, ["transfer"]),
        ({"date_from": TODAY - datetime.timedelta(days=10)}, ["end", "other", "transfer"]),
        ({"date_to": TODAY - datetime.timedelta(days=10)}, ["transfer", "old"]),
        (
            {
                "date_from": TODAY - datetime.timedelta(days=10),
                "date_to": TODAY - datetime.timedelta(days=5),
            },
            ["other", "transfer"],
        ),
    ],
)
def test_ledger_filters(ledger, filters, expected):
    rows = list(adjustment_list(user=office_user(county()), **filters))
    assert rows == [ledger[name] for name in expected]


def test_ledger_division_filter_is_on_the_business(ledger):
    user = office_user(county())
    assert list(adjustment_list(user=user, division=second_township())) == [
        ledger["end"],
        ledger["other"],
    ]


def test_ledger_cadre_filter_matches_from_or_to(ledger):
    user = office_user(county())
    assert list(adjustment_list(user=user, cadre=ledger["a"])) == [
        ledger["transfer"],
        ledger["old"],
    ]
    assert list(adjustment_list(user=user, cadre=ledger["b"])) == [ledger["transfer"]]


def test_ledger_cadre_outside_the_scope_is_refused_by_the_form(ledger):
    # given a cadre of 万山区 and the 碧江区 office
    stranger = CadreFactory(division=wanshan_village())
    form = AdjustmentFilterForm({"cadre": str(stranger.pk)}, user=office_user(county()))
    # then the form says why
    assert not form.is_valid()
    assert form.has_error("cadre", "cadre_out_of_scope")


def test_ledger_form_refuses_an_inverted_date_range():
    form = AdjustmentFilterForm(
        {"date_from": "2026-03-01", "date_to": "2026-02-01"}, user=office_user(county())
    )
    assert not form.is_valid()
    assert "date_to" in form.errors


def test_a_division_outside_the_scope_is_ignored():
    form = AreaFilterForm({"division": str(wanshan_village().pk)}, user=office_user(county()))
    assert form.is_valid()
    assert form.cleaned_data["division"] is None


# --- home figures -----------------------------------------------------------------------------


def test_grade_and_level_counts(loads, gaps):
    user = office_user(county())
    grades = entity_grade_counts(user=user)
    # 19 + 2 (leaver) + 1 held + 1 unheld D = 23 open D in 碧江区; the closed one left out
    assert grades == {"A": 0, "B": 1, "C": 9, "D": 23}
    levels = cadre_level_counts(user=user)
    # in post only: the leavers are not counted
    assert levels[Level.VILLAGE] == 6 + 2  # 6 in the loads, + the held and the regraded holders
    assert levels[Level.TOWNSHIP] == 2
    assert levels[Level.COUNTY] == 1


def test_admin_sees_every_county():
    EntityFactory(division=wanshan_village())
    EntityFactory()
    assert coverage_counts(user=admin_user())["unheld"] == 2


# --- indexes (PostgreSQL) ---------------------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are checked on PostgreSQL"
)
BIG_TABLES = ("cadres_adjustment", "entities_entity", "cadres_assignment", "cadres_cadre")


def _plan(queryset) -> str:
    """The plan PostgreSQL picks when sequential scans are priced out: a Seq Scan that remains
    means no index can serve the query."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")


@on_postgresql
@pytest.mark.parametrize(
    ("make_query", "index_use"),
    [
        (lambda d, c: coverage_unheld(user=admin_user(), grade=Grade.C), "(grade)"),
        (lambda d, c: coverage_unheld(user=admin_user(), division=d), "division_path_prefix"),
        (lambda d, c: coverage_left_cadres(user=admin_user()), "cadre_left_division"),
        (lambda d, c: coverage_below_level(user=admin_user(), division=d), "division_path_prefix"),
        (lambda d, c: adjustment_list(user=admin_user())[:51], None),
        (
            lambda d, c: adjustment_list(user=admin_user(), kind="transfer")[:51],
            "adjustment_kind_date",
        ),
        (
            lambda d, c: adjustment_list(user=admin_user(), date_from=TODAY)[:51],
            "(effective_date >=",
        ),
        (lambda d, c: adjustment_list(user=admin_user(), division=d)[:51], "division_path_prefix"),
        (lambda d, c: adjustment_list(user=admin_user(), cadre=c)[:51], "(to_cadre_id ="),
        (lambda d, c: adjustment_list(user=admin_user(), cadre=c)[:51], "(from_cadre_id ="),
        (lambda d, c: balance_idle(user=admin_user(), division=d), "division_path_prefix"),
        (lambda d, c: coverage_unheld(user=office_user(county())), "division_path_prefix"),
    ],
)
def test_every_filter_is_served_by_an_index(make_query, index_use):
    # given some rows of each table
    holding = AssignmentFactory()
    adjustment(holding.entity, to_cadre=holding.cadre)
    query = make_query(township(), holding.cadre)
    # when PostgreSQL plans the filter alone with sequential scans priced out
    plan = _plan(query)
    # then no big table is read whole, and the filter is an index's (its name or condition)
    for table in BIG_TABLES:
        assert f"Seq Scan on {table}" not in plan, plan
    index_lines = [line for line in plan.splitlines() if "Index" in line]
    if index_use == "division_path_prefix":
        # The area is served either by the prefix index or by reaching each division by key from
        # an indexed join; on tables this small the planner picks either. Never a tree scan.
        assert "Seq Scan on baobao_division" not in plan, plan
    elif index_use:
        assert any(index_use in line for line in index_lines), plan
    else:
        assert "Sort" not in plan and "adjustment_date_id" in plan, plan
