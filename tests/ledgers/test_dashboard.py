"""The dashboard (/dashboard/): figures per child division against a hand-counted area, scope and
drill-down, a constant number of queries, and the SVG charts."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from inspections.quarters import Quarter
from inspections.selectors import rates_by_child_division
from ledgers.dashboards import dashboard, dashboard_refresh_unscoped
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    VisitFactory,
    cadre_user,
    county,
    office_user,
    township,
    wanshan,
)
from tests.ledgers.dashboard_tree import NOON, at

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")


def rates(row) -> list:
    return [(str(r.quarter), r.due, r.visited) for r in row.rates]


def test_each_figure_of_each_township_is_hand_counted(tree, today):
    # given the hand-counted area and a county office
    user = office_user(tree.county)

    # when the county's figures are read
    figures = dashboard(user=user, division=tree.county, now=NOON)

    # then one row per township, in code order, with every figure as counted
    huanbei, chuandong = figures["rows"]
    assert [huanbei.division, chuandong.division] == [tree.huanbei, tree.chuandong]
    assert huanbei.grades == {"A": 0, "B": 1, "C": 1, "D": 2}
    assert (huanbei.open, huanbei.covered) == (4, 3)
    assert rates(huanbei) == [
        ("2025Q2", 0, 0),
        ("2025Q3", 0, 0),
        ("2025Q4", 3, 0),
        ("2026Q1", 3, 2),
        ("2026Q2", 3, 1),
    ]
    assert huanbei.overdue_cadres == 1
    assert (huanbei.issues_open, huanbei.issues_overdue) == (1, 1)
    assert (huanbei.issues_raised, huanbei.issues_closed) == (2, 1)
    assert huanbei.closure_rate == 0.5
    assert huanbei.average_days_to_close == pytest.approx(10.0)

    assert chuandong.grades == {"A": 1, "B": 0, "C": 0, "D": 1}
    assert (chuandong.open, chuandong.covered) == (2, 1)
    assert rates(chuandong)[-2:] == [("2026Q1", 2, 0), ("2026Q2", 2, 1)]
    assert chuandong.overdue_cadres == 2
    assert (chuandong.issues_open, chuandong.issues_overdue) == (1, 0)
    assert (chuandong.issues_raised, chuandong.issues_closed) == (2, 1)
    assert chuandong.average_days_to_close == pytest.approx(4.0)


def test_the_totals_add_up_and_count_a_cadre_once(tree, today):
    # given the city cadre who left both a 环北 and a 川硐 business unvisited in 2026Q1
    user = office_user(tree.county)

    # when the county's figures are read
    total = dashboard(user=user, division=tree.county, now=NOON)["total"]

    # then the totals are the sums, except overdue cadres: two distinct cadres, not 1 + 2
    assert total.grades == {"A": 1, "B": 1, "C": 1, "D": 3}
    assert (total.open, total.covered) == (6, 4)
    assert total.coverage == pytest.approx(4 / 6)
    assert rates(total)[-2:] == [("2026Q1", 5, 2), ("2026Q2", 5, 2)]
    assert total.current.rate == pytest.approx(0.4)
    assert total.overdue_cadres == 2
    assert (total.issues_open, total.issues_overdue) == (2, 1)
    assert total.closure_rate == 0.5
    assert total.average_days_to_close == pytest.approx(7.0)


def test_this_quarters_rate_is_the_one_the_inspections_selector_gives(tree, today):
    # given the same area read by the dashboard and by rates_by_child_division
    user = office_user(tree.county)
    figures = dashboard(user=user, division=tree.county, now=NOON)
    reference = rates_by_child_division(
        user=user, division=tree.county, quarter=Quarter.of(today), today=today
    )

    # then both agree on due and visited per township
    assert [(r.current.due, r.current.visited) for r in figures["rows"]] == [
        (r["due"], r["visited"]) for r in reference
    ]


def test_a_settled_quarter_is_read_from_the_cache_until_refreshed(tree, today):
    # given the county's figures computed once (2026Q1 and before are settled)
    user = office_user(tree.county)
    dashboard(user=user, division=tree.county, now=NOON)
    # and a late 2026Q1 visit written behind the dashboard's back
    e7 = tree.chuandong.children.get().entities.get(grade="D", status="active")
    VisitFactory(assignment=e7.assignments.get(), visited_at=at("2026-03-20"))

    # when read again, then the settled quarter still shows the cached figure
    cached = dashboard(user=user, division=tree.county, now=NOON)
    assert rates(cached["rows"][1])[-2] == ("2026Q1", 2, 0)

    # when the refresh task's function runs, then the new figure shows
    dashboard_refresh_unscoped(division=tree.county, today=today)
    fresh = dashboard(user=user, division=tree.county, now=NOON)
    assert rates(fresh["rows"][1])[-2] == ("2026Q1", 2, 1)


def test_the_page_shows_a_row_and_a_bar_per_township_and_the_trend(client, tree, today):
    # given a county office
    client.force_login(office_user(tree.county))

    # when it opens its dashboard
    response = client.get(URL)

    # then one drill-down link and one bar per township, a totals row, and the trend line
    assert response.status_code == 200
    text = response.text
    for area in (tree.huanbei, tree.chuandong):
        assert f'<a href="?division={area.pk}">{area.name}</a>' in text
    assert text.count('<rect class="bar') == 2
    assert '<tr class="total">' in text
    assert text.count('<circle class="point') == 3
    assert "<title" in text and "<desc" in text
    assert "style=" not in text


def test_drill_down_into_a_township_shows_its_villages(client, tree, today):
    # given a county office
    client.force_login(office_user(tree.county))

    # when it drills into 环北街道
    response = client.get(URL, {"division": tree.huanbei.pk})

    # then the one village of 环北 is the one row
    rows = response.context["figures"]["rows"]
    assert [row.division.name for row in rows] == ["金滩社区"]
    assert rows[0].open == 4


@pytest.mark.parametrize("division", ["wanshan", "county", "junk"])
def test_an_area_outside_the_scope_is_404(client, tree, today, division):
    # given a township office of 环北
    client.force_login(office_user(tree.huanbei))
    target = {"wanshan": lambda: wanshan().pk, "county": lambda: tree.county.pk}
    value = target[division]() if division in target else "12x"

    # when it asks for another county, its own county above it, or a malformed id
    response = client.get(URL, {"division": value})

    # then 404
    assert response.status_code == 404


def test_a_cadre_may_not_open_the_dashboard(client, tree, today):
    # given a cadre's login
    client.force_login(cadre_user(CadreFactory(level=Level.TOWNSHIP)))

    # when they open the dashboard, then they are refused
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def _county_with_townships(n: int):
    area = county(code="520699000000", name="测试县")
    for i in range(1, n + 1):
        town = township(code=f"520699{i:03d}000", name=f"测试镇{i}", county_division=area)
        holding = AssignmentFactory(
            entity=EntityFactory(division=town, grade="C"),
            cadre=CadreFactory(division=town),
            start_date=datetime.date(2025, 1, 1),
        )
        VisitFactory(assignment=holding, visited_at=at("2026-05-02"))
    return area


def _page_queries(client, area) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"division": area.pk})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_number_of_queries_does_not_depend_on_the_number_of_townships(
    client, today, django_assert_max_num_queries
):
    # given a county with 2 townships, measured
    area = _county_with_townships(2)
    client.force_login(office_user(area.parent))
    with_two = _page_queries(client, area)

    # when it has 10
    for i in range(3, 11):
        town = township(code=f"520699{i:03d}000", name=f"测试镇{i}", county_division=area)
        AssignmentFactory(
            entity=EntityFactory(division=town, grade="C"),
            cadre=CadreFactory(division=town),
            start_date=datetime.date(2025, 1, 1),
        )

    # then the page takes the same number of queries, and a small one
    assert _page_queries(client, area) == with_two
    cache.clear()
    # (from the running counts: five small sums for this quarter, two grouped queries for the
    # four quarters before it while their cache is cold, the overdue cadres)
    with django_assert_max_num_queries(19):
        page = client.get(URL, {"division": area.pk})
    assert page.text.count('<rect class="bar') == 10


def test_businesses_registered_on_the_area_itself_get_their_own_row(tree, today):
    # given a business registered on 碧江区 itself, not on a township
    EntityFactory(division=tree.county, grade="B")

    # when the county's figures are read
    rows = dashboard(user=office_user(tree.county), division=tree.county, now=NOON)["rows"]

    # then it is counted in a row of its own after the townships
    assert [(row.division, row.direct, row.open) for row in rows][-1] == (tree.county, True, 1)


def test_the_refresh_task_recomputes_every_county_and_above(tree, today):
    # given the county's figures cached, then a late 2026Q1 visit in 川硐
    from ledgers.tasks import quarter_figures_refresh

    user = office_user(tree.county)
    dashboard(user=user, division=tree.county, now=NOON)
    e7 = tree.chuandong.children.get().entities.get(grade="D", status="active")
    VisitFactory(assignment=e7.assignments.get(), visited_at=at("2026-03-20"))

    # when the task runs (twice, as a retry would)
    quarter_figures_refresh()
    refreshed = quarter_figures_refresh()

    # then it went over the province, the city and the two counties, and the county shows it
    assert refreshed == 4
    figures = dashboard(user=user, division=tree.county, now=NOON)
    assert rates(figures["rows"][1])[-2] == ("2026Q1", 2, 1)
