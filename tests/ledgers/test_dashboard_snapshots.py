"""The dashboards of the province and the cities read from snapshots: the same figures as from the
tables, the time they were computed on the page, a bounded number of queries, the fallback to the
tables when there is no fresh snapshot, the scope, and the beat task that takes them."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from baobao.models import Level
from ledgers.dashboards import dashboard, dashboard_live
from ledgers.dashboards.common import user_area
from ledgers.dashboards.snapshots import (
    SNAPSHOT_MAX_AGE,
    SNAPSHOTS_LOCK,
    dashboard_snapshots_take_unscoped,
)
from ledgers.models import DashboardSnapshot, DashboardSnapshotRow
from ledgers.tasks import dashboard_snapshots_take, quarter_figures_refresh
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    VisitFactory,
    admin_user,
    city,
    county,
    office_user,
    province,
    township,
    wanshan,
)
from tests.ledgers.dashboard_tree import NOON, at

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")
# Taken five minutes before the tests' clock (2026-05-20 12:00, Asia/Shanghai).
TAKEN = at("2026-05-20", 11) + datetime.timedelta(minutes=55)


def flat(page: dict) -> list:
    """Every figure of every row and of the total, for comparing two pages."""
    return [
        (
            row.division.pk,
            row.direct,
            row.grades,
            row.open,
            row.covered,
            [(str(r.quarter), r.due, r.visited) for r in row.rates],
            row.overdue_cadres,
            row.issues_open,
            row.issues_overdue,
            row.issues_raised,
            row.issues_closed,
            round(row.close_days_total, 9),
        )
        for row in [*page["rows"], page["total"]]
    ]


def live(user, division, today) -> dict:
    return dashboard_live(area=user_area(user, division), division=division, today=today)


@pytest.mark.parametrize("level", [Level.PROVINCE, Level.CITY])
def test_a_snapshot_shows_exactly_the_figures_of_the_tables(tree, today, level):
    # given the hand-counted county under its city and province, and the snapshots taken
    area = province() if level == Level.PROVINCE else city()
    user = office_user(area)
    assert dashboard_snapshots_take_unscoped(now=TAKEN) == 2

    # when the area's dashboard is read
    page = dashboard(user=user, division=area, now=NOON)

    # then it comes from the snapshot, and every figure is the one computed from the tables
    assert page["computed_at"] == TAKEN
    assert flat(page) == flat(live(user, area, today))


def test_the_citys_row_of_the_county_is_the_hand_counted_total(tree, today):
    # given the snapshots taken
    dashboard_snapshots_take_unscoped(now=TAKEN)

    # when the city reads its dashboard
    rows = dashboard(user=office_user(city()), division=city(), now=NOON)["rows"]

    # then 碧江区's row holds the county's hand-counted totals (overdue cadres counted once)
    bijiang = next(row for row in rows if row.division == tree.county)
    assert bijiang.grades == {"A": 1, "B": 1, "C": 1, "D": 3}
    assert (bijiang.open, bijiang.covered) == (6, 4)
    assert [(str(r.quarter), r.due, r.visited) for r in bijiang.rates][-2:] == [
        ("2026Q1", 5, 2),
        ("2026Q2", 5, 2),
    ]
    assert bijiang.overdue_cadres == 2
    assert (bijiang.issues_open, bijiang.issues_overdue) == (2, 1)
    assert bijiang.average_days_to_close == pytest.approx(7.0)


def test_the_page_says_when_the_figures_were_computed(client, tree, today):
    # given the snapshots taken at 11:55
    dashboard_snapshots_take_unscoped(now=TAKEN)
    client.force_login(office_user(city()))

    # when the city office opens its dashboard at 12:00
    response = client.get(URL)

    # then the page gives the snapshot's time ("数据更新于 11:55"), not the time of the request
    assert response.status_code == 200
    assert '<p class="muted">' in response.text
    assert "11:55" in response.text and "12:00" not in response.text


def test_a_figure_written_after_the_snapshot_shows_at_the_next_one(client, tree, today):
    # given the snapshots taken, then a new business in 碧江区
    dashboard_snapshots_take_unscoped(now=TAKEN)
    user = office_user(city())
    EntityFactory(division=tree.huanbei, grade="A")

    # when the city reads its dashboard, then the snapshot does not have it yet
    assert dashboard(user=user, division=city(), now=NOON)["total"].grades["A"] == 1

    # when the next snapshot is taken, then it does
    dashboard_snapshots_take_unscoped(now=NOON)
    assert dashboard(user=user, division=city(), now=NOON)["total"].grades["A"] == 2


@pytest.mark.parametrize(
    "taken",
    [
        at("2026-05-20", 12) - SNAPSHOT_MAX_AGE - datetime.timedelta(seconds=1),
        at("2026-05-19", 23) + datetime.timedelta(minutes=59),
    ],
    ids=["too old", "yesterday"],
)
def test_without_a_fresh_snapshot_the_figures_come_from_the_tables(tree, today, taken):
    # given a snapshot too old (the worker stopped) or of yesterday, and a business added since
    dashboard_snapshots_take_unscoped(now=taken)
    EntityFactory(division=tree.huanbei, grade="A")
    user = office_user(city())

    # when the city reads its dashboard
    page = dashboard(user=user, division=city(), now=NOON)

    # then the figures are computed now, from the tables
    assert page["computed_at"] == at("2026-05-20", 12)
    assert page["total"].grades["A"] == 2
    assert flat(page) == flat(live(user, city(), today))


def test_a_new_install_without_snapshots_shows_the_figures_of_the_tables(client, tree, today):
    # given no snapshot at all
    client.force_login(office_user(city()))

    # when the city office opens its dashboard
    response = client.get(URL)

    # then the figures are computed for the request
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["computed_at"] == at("2026-05-20", 12)
    assert figures["total"].open == 6 + 1


def test_an_office_below_the_area_gets_its_own_scope_not_the_snapshot(tree, today):
    # given the snapshots taken, and a county office asking (past the view) for its city's figures
    dashboard_snapshots_take_unscoped(now=TAKEN)
    user = office_user(tree.county)

    # when the city's dashboard is read for it
    page = dashboard(user=user, division=city(), now=NOON)

    # then nothing outside its county is counted: no 万山区 business, no snapshot
    assert page["computed_at"] == at("2026-05-20", 12)
    assert page["total"].open == 6


def test_the_snapshot_of_the_city_is_404_for_a_county_office(client, tree, today):
    # given the snapshots taken and a county office
    dashboard_snapshots_take_unscoped(now=TAKEN)
    client.force_login(office_user(tree.county))

    # when it asks for its city, then 404
    assert client.get(URL, {"division": city().pk}).status_code == 404


def test_the_admin_reads_the_province_from_its_snapshot(client, tree, today):
    # given the snapshots taken and the system admin
    dashboard_snapshots_take_unscoped(now=TAKEN)
    client.force_login(admin_user())

    # when the admin opens the dashboard (the single top of the tree: the province)
    response = client.get(URL)

    # then the province's snapshot is shown
    assert response.context["figures"]["computed_at"] == TAKEN
    assert response.context["figures"]["total"].open == 7


def _city_with_counties(n: int):
    area = city(code="520700000000", name="测试市")
    for i in range(1, n + 1):
        place = county(code=f"5207{i:02d}000000", name=f"测试县{i}", city_division=area)
        town = township(code=f"5207{i:02d}001000", name=f"测试镇{i}", county_division=place)
        holding = AssignmentFactory(
            entity=EntityFactory(division=town, grade="C"),
            cadre=CadreFactory(division=town),
            start_date=datetime.date(2025, 1, 1),
        )
        VisitFactory(assignment=holding, visited_at=at("2026-05-02"))
    return area


def test_a_snapshot_page_takes_few_queries_whatever_the_number_of_counties(
    client, today, django_assert_max_num_queries
):
    # given a city of 2 counties, then one of 12, each with its snapshot
    cache.clear()
    small = _city_with_counties(2)
    client.force_login(office_user(small))
    dashboard_snapshots_take_unscoped(now=TAKEN)
    with django_assert_max_num_queries(10):
        client.get(URL)
    for i in range(3, 13):
        place = county(code=f"5207{i:02d}000000", name=f"测试县{i}", city_division=small)
        EntityFactory(division=place, grade="D")
    dashboard_snapshots_take_unscoped(now=TAKEN)

    # when the city office opens its dashboard
    with django_assert_max_num_queries(10):
        response = client.get(URL)

    # then the same handful of queries shows a bar per county
    assert response.context["figures"]["computed_at"] == TAKEN
    assert response.text.count('<rect class="bar') == 12


def test_the_task_replaces_the_snapshots_when_run_twice(tree, today):
    # when the beat task runs twice, as a retry would
    dashboard_snapshots_take()
    dashboard_snapshots_take()

    # then one snapshot per province and city, each with one row per child and no duplicate
    snapshots = DashboardSnapshot.objects.order_by("division__path")
    assert [s.division for s in snapshots] == [province(), city()]
    rows = DashboardSnapshotRow.objects.filter(snapshot__division=city()).order_by("path")
    assert [row.path for row in rows] == [tree.county.path, wanshan().path]


def test_a_run_still_going_makes_the_next_one_skip(tree, today):
    # given a run holding the lock
    cache.add(SNAPSHOTS_LOCK, True, 60)

    # when the task fires again, then it takes nothing
    assert dashboard_snapshots_take_unscoped(now=NOON) is None
    assert not DashboardSnapshot.objects.exists()
    cache.delete(SNAPSHOTS_LOCK)


def test_the_nightly_refresh_reaches_the_snapshots_settled_quarters(tree, today):
    # given the snapshots taken (2026Q1 settled and cached), then a late 2026Q1 visit in 川硐
    dashboard_snapshots_take_unscoped(now=TAKEN)
    e7 = tree.chuandong.children.get().entities.get(grade="D", status="active")
    VisitFactory(assignment=e7.assignments.get(), visited_at=at("2026-03-20"))
    user = office_user(province())
    dashboard_snapshots_take_unscoped(now=NOON)
    q1 = dashboard(user=user, division=province(), now=NOON)["total"].rates[-2]
    assert (str(q1.quarter), q1.visited) == ("2026Q1", 2)

    # when the nightly refresh runs, then the next snapshot has the late visit
    quarter_figures_refresh()
    dashboard_snapshots_take_unscoped(now=NOON)
    q1 = dashboard(user=user, division=province(), now=NOON)["total"].rates[-2]
    assert (str(q1.quarter), q1.visited) == ("2026Q1", 3)


def test_the_admin_lists_when_each_snapshot_was_computed_and_cannot_edit_them(client, tree, today):
    # given the snapshots taken, and the system admin
    dashboard_snapshots_take_unscoped(now=TAKEN)
    client.force_login(admin_user())

    # when the admin opens the snapshots' list
    response = client.get(reverse("admin:ledgers_dashboardsnapshot_changelist"))

    # then one line per area, and no way to add one by hand
    assert response.status_code == 200
    assert "贵州省" in response.text and "铜仁市" in response.text
    assert client.get(reverse("admin:ledgers_dashboardsnapshot_add")).status_code == 403


def test_a_fresh_snapshot_is_read_in_three_queries(tree, today, django_assert_num_queries):
    # given the snapshots taken and the province office
    dashboard_snapshots_take_unscoped(now=TAKEN)
    area = province()
    user = office_user(area)

    # when its figures are read, then the snapshot, its rows and the children: three queries
    with django_assert_num_queries(3):
        page = dashboard(user=user, division=area, now=NOON)
    assert page["computed_at"] == TAKEN
