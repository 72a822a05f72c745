"""The overview's reads: coverage gaps and load balance, against hand-built and hand-counted fixtures, scoped."""

import pytest

from baobao.models import Level
from cadres.selectors.overview import (
    balance_idle,
    balance_overloaded,
    cadre_load_balance,
    coverage_below_level,
    coverage_counts,
    coverage_left_cadres,
    coverage_unheld,
    overload_threshold,
)
from cadres.services import assignment_create, cadre_leave
from entities.models import Grade
from tests.cadres.selectors_overview_support import TODAY
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    city,
    county,
    office_user,
    second_township,
    township,
)

pytestmark = pytest.mark.django_db


# --- coverage ---------------------------------------------------------------------------------


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


def test_coverage_counts_in_two_small_sums(gaps, django_assert_num_queries):
    # given the gaps fixture and a user whose scope division is already loaded
    user = office_user(county())
    # when the counts are read (from the running counts: the open businesses, the holdings)
    with django_assert_num_queries(2):
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
