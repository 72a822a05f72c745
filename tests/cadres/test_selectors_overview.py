"""The overview's reads: coverage gaps, load balance and the adjustment ledger, against
hand-built and hand-counted fixtures, scoped, and (on PostgreSQL) served by indexes."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from baobao.models import Level
from cadres.filters_overview import AdjustmentFilterForm, AreaFilterForm
from cadres.models import Adjustment, AdjustmentKind
from cadres.selectors.overview import (
    adjustment_list,
    balance_idle,
    balance_overloaded,
    cadre_level_counts,
    cadre_load_balance,
    coverage_below_level,
    coverage_counts,
    coverage_left_cadres,
    coverage_unheld,
    entity_grade_counts,
    overload_threshold,
)
from cadres.services import assignment_create, cadre_leave
from entities.models import EntityStatus, Grade
from entities.services import entity_regrade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    city,
    county,
    office_user,
    second_township,
    second_village,
    township,
    village,
    wanshan_village,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def hold(cadre, n, grade=Grade.D, division=None):
    """Give ``cadre`` ``n`` current holdings of businesses of ``grade``."""
    for _ in range(n):
        AssignmentFactory(
            cadre=cadre, entity=EntityFactory(grade=grade, division=division or village())
        )


# --- coverage ---------------------------------------------------------------------------------


@pytest.fixture
def gaps():
    """碧江区 with one business of each coverage case, and a gap in 万山区 that must not show."""
    unheld = EntityFactory(name="无人包保小卖部", grade=Grade.D)
    suspended = EntityFactory(name="停业整顿餐馆", grade=Grade.C, status=EntityStatus.SUSPENDED)
    EntityFactory(name="已注销小吃店", status=EntityStatus.CLOSED)
    held = AssignmentFactory(entity=EntityFactory(name="正常包保超市"))
    leaver = CadreFactory(name="离岗干部", level=Level.VILLAGE)
    left_holdings = [AssignmentFactory(cadre=leaver) for _ in range(2)]
    cadre_leave(cadre=leaver, reason="调离", by=None)
    regraded = AssignmentFactory(entity=EntityFactory(name="升级为C级的餐馆", grade=Grade.D))
    entity_regrade(entity=regraded.entity, new_grade=Grade.C, reason="规模扩大", by=None)
    EntityFactory(name="万山未包保店", division=wanshan_village())
    return {
        "unheld": unheld,
        "suspended": suspended,
        "held": held,
        "leaver": leaver,
        "left_holdings": left_holdings,
        "regraded": regraded,
    }


def test_unheld_lists_open_businesses_without_a_holder_in_scope(gaps):
    # given the county office of 碧江区
    user = office_user(county())
    # when the unheld businesses are read
    names = {e.name for e in coverage_unheld(user=user)}
    # then the unheld active and suspended ones are there; held, closed and 万山区's are not
    assert names == {"无人包保小卖部", "停业整顿餐馆"}


def test_unheld_narrows_by_grade_and_division(gaps):
    user = office_user(county())
    assert [e.name for e in coverage_unheld(user=user, grade=Grade.C)] == ["停业整顿餐馆"]
    assert list(coverage_unheld(user=user, division=second_township())) == []
    assert len(coverage_unheld(user=user, division=township())) == 2


def test_left_cadres_with_holdings_are_listed_with_their_count(gaps):
    # given a cadre who left without successor and still holds two businesses
    user = office_user(county())
    # when the left cadres are read
    rows = list(coverage_left_cadres(user=user))
    # then the leaver is listed once with 2 holdings
    assert [(r["cadre_id"], r["holdings"]) for r in rows] == [(gaps["leaver"].pk, 2)]
    assert rows[0]["cadre__left_on"] == TODAY


def test_a_leaver_whose_holdings_were_handed_on_is_not_listed():
    # given a cadre who left and handed everything to a successor in post
    leaver = CadreFactory(level=Level.VILLAGE)
    AssignmentFactory(cadre=leaver)
    cadre_leave(cadre=leaver, reason="退休", by=None, successor=CadreFactory(level=Level.VILLAGE))
    # then there is nothing to fix
    assert list(coverage_left_cadres(user=office_user(county()))) == []


def test_holdings_below_the_level_after_a_regrade_are_listed(gaps):
    # given a D business held by a village cadre, regraded to C (needs a township cadre)
    user = office_user(county())
    # when the holdings below level are read
    rows = list(coverage_below_level(user=user))
    # then exactly that holding is there (the left cadre's are listed with the leaver)
    assert rows == [gaps["regraded"]]
    assert rows[0].entity.grade == Grade.C


def test_an_escalated_holding_is_not_below_level():
    # given a C business held by a county cadre (提级包保)
    holding = AssignmentFactory(
        entity=EntityFactory(grade=Grade.C),
        cadre=CadreFactory(level=Level.COUNTY),
        escalated=True,
        escalation_reason="风险高",
    )
    assert holding.pk
    # then it is not a gap
    assert list(coverage_below_level(user=office_user(county()))) == []
    assert coverage_counts(user=office_user(county()))["total"] == 0


@pytest.mark.parametrize(
    ("grade", "level", "breaks"),
    [
        (Grade.A, Level.COUNTY, True),
        (Grade.A, Level.CITY, False),
        (Grade.B, Level.TOWNSHIP, True),
        (Grade.B, Level.COUNTY, False),
        (Grade.C, Level.VILLAGE, True),
        (Grade.C, Level.TOWNSHIP, False),
        (Grade.D, Level.VILLAGE, False),
    ],
)
def test_the_level_rule_for_each_grade(grade, level, breaks):
    holding = AssignmentFactory(entity=EntityFactory(grade=grade), cadre=CadreFactory(level=level))
    assert (holding in coverage_below_level(user=office_user(city()))) is breaks


def test_coverage_counts_in_one_query(gaps, django_assert_num_queries):
    # given the gaps fixture and a user whose scope division is already loaded
    user = office_user(county())
    # when the counts are read
    with django_assert_num_queries(1):
        counts = coverage_counts(user=user)
    # then each kind is counted in businesses, 万山区's gap left out
    assert counts == {"unheld": 2, "held_by_left": 2, "below_level": 1, "total": 5}
    assert coverage_counts(user=user, grade=Grade.C) == {
        "unheld": 1,
        "held_by_left": 0,
        "below_level": 1,
        "total": 2,
    }
    assert coverage_counts(user=office_user(city()))["unheld"] == 3


def test_a_business_assigned_leaves_the_gaps(gaps):
    # given the unheld D business
    user = office_user(county())
    # when it is assigned to a village cadre in post
    assignment_create(
        entity=gaps["unheld"], cadre=CadreFactory(level=Level.VILLAGE), by=user, reason="新增"
    )
    # then it is no longer a gap
    assert gaps["unheld"] not in coverage_unheld(user=user)
    assert coverage_counts(user=user)["unheld"] == 1


# --- balance ----------------------------------------------------------------------------------


@pytest.fixture
def loads():
    """碧江区's cadres in post with hand-counted loads, a leaver, and 万山区's busy cadre.

    village level: 0 1 2 2 9 under 环北街道, 5 under 川硐街道 → min 0, median 2, max 9
    township level: 3 4 under 环北街道 → median 3.5
    county level: 1 (碧江区 itself)
    """
    cadres = {}
    for n in (0, 1, 2, 2, 9):
        cadres[f"v{n}"] = c = CadreFactory(name=f"村干部{n}", level=Level.VILLAGE)
        hold(c, n)
    cadres["v5"] = c = CadreFactory(name="川硐村干部", division=second_village())
    hold(c, 5, division=second_village())
    for n in (3, 4):
        cadres[f"t{n}"] = c = CadreFactory(name=f"乡镇干部{n}", level=Level.TOWNSHIP)
        hold(c, n, grade=Grade.C)
    cadres["c1"] = c = CadreFactory(name="县级干部", level=Level.COUNTY)
    hold(c, 1, grade=Grade.B)
    left = CadreFactory(name="离岗无包保", level=Level.VILLAGE)
    cadre_leave(cadre=left, reason="调离", by=None)
    busy = CadreFactory(name="万山干部", division=wanshan_village())
    hold(busy, 12, division=wanshan_village())
    return cadres


def test_balance_by_level_matches_the_hand_count(loads):
    # given the county office of 碧江区
    user = office_user(county())
    # when the balance is read
    balance = cadre_load_balance(user=user)
    by_level = {s.level: s for s in balance["levels"]}
    # then the figures per level are the hand-counted ones (万山区 and the leaver left out)
    assert list(by_level) == [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
    village_stats = by_level[Level.VILLAGE]
    assert (village_stats.cadres, village_stats.holdings) == (6, 19)
    assert (village_stats.min, village_stats.median, village_stats.max) == (0, 2, 9)
    assert (village_stats.q1, village_stats.q3) == (1.25, 4.25)
    assert village_stats.mean == pytest.approx(19 / 6)
    assert village_stats.threshold == 5  # max(2 × 2, 2 + 3)
    assert (village_stats.overloaded, village_stats.idle) == (1, 1)
    township_stats = by_level[Level.TOWNSHIP]
    assert (township_stats.min, township_stats.median, township_stats.max) == (3, 3.5, 4)
    assert township_stats.threshold == 7
    assert township_stats.overloaded == 0
    assert (by_level[Level.COUNTY].cadres, by_level[Level.COUNTY].median) == (1, 1)


def test_balance_by_child_area(loads):
    # given the county office: its children are the townships
    balance = cadre_load_balance(user=office_user(county()))
    areas = {
        (a.division.name if a.division else None): {s.level: s for s in a.levels}
        for a in balance["areas"]
    }
    # then 环北街道, 川硐街道 and the county's own cadres each get their figures
    assert set(areas) == {"环北街道", "川硐街道", None}
    huanbei = areas["环北街道"][Level.VILLAGE]
    assert (huanbei.cadres, huanbei.median, huanbei.overloaded, huanbei.idle) == (5, 2, 1, 1)
    assert areas["环北街道"][Level.TOWNSHIP].cadres == 2
    assert areas["川硐街道"][Level.VILLAGE].histogram == {5: 1}
    assert areas["川硐街道"][Level.VILLAGE].overloaded == 0  # 5 is not above the level's 5
    assert list(areas[None]) == [Level.COUNTY]


def test_balance_narrowed_to_a_township(loads):
    balance = cadre_load_balance(user=office_user(county()), division=second_township())
    assert [(s.level, s.histogram) for s in balance["levels"]] == [(Level.VILLAGE, {5: 1})]
    assert [a.division.name for a in balance["areas"]] == ["川硐社区"]


def test_balance_of_a_city_groups_by_county(loads):
    balance = cadre_load_balance(user=office_user(city()))
    assert [a.division.name for a in balance["areas"]] == ["碧江区", "万山区"]
    village_stats = {s.level: s for s in balance["levels"]}[Level.VILLAGE]
    assert village_stats.max == 12


def test_overloaded_and_idle_cadres(loads):
    user = office_user(county())
    thresholds = {s.level: s.threshold for s in cadre_load_balance(user=user)["levels"]}
    overloaded = list(balance_overloaded(user=user, thresholds=thresholds))
    assert [(c.name, c.load) for c in overloaded] == [("村干部9", 9)]
    assert [c.name for c in balance_idle(user=user)] == ["村干部0"]


def test_balance_runs_a_constant_number_of_queries(loads, django_assert_num_queries):
    # one grouped query for the loads and one for the child divisions, however many cadres
    user = office_user(county())
    with django_assert_num_queries(2):
        cadre_load_balance(user=user)


def test_overload_threshold_rule():
    assert overload_threshold(0) == 3
    assert overload_threshold(2) == 5
    assert overload_threshold(8) == 16


def test_balance_of_an_empty_scope():
    balance = cadre_load_balance(user=office_user(county()))
    assert balance["levels"] == [] and balance["areas"] == []


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
