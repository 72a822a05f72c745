"""The overview pages (/coverage/, /balance/, /adjustments/) as each role sees them: what they
list, the action each gap links to, their filters, and a query count that does not grow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.selectors.overview import LoadStats, overload_threshold
from cadres.services import assignment_create, cadre_leave, zone_assign
from cadres.views.overview import box_chart, chart_top
from entities.models import EntityStatus, Grade
from entities.services import entity_regrade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    city,
    county,
    crew_login,
    office_user,
    province,
    second_township,
    second_village,
    township,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import page_queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAGES = ["overview:coverage", "overview:balance", "overview:adjustments"]


# --- who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("make_user", ["cadre", "assistant", "liaison"])
def test_cadres_and_their_aides_are_refused(client, page, make_user):
    # given a county cadre with an assistant and a liaison, each with a login
    cadre = CadreFactory(level=Level.COUNTY)
    client.force_login(crew_login(cadre, make_user))
    # then the office's overview is not for them
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "make_user",
    [
        lambda: office_user(province()),
        lambda: office_user(city()),
        lambda: office_user(county()),
        lambda: office_user(township()),
        admin_user,
    ],
)
def test_every_office_level_and_the_admin_may_read(client, page, make_user):
    client.force_login(make_user())
    assert client.get(reverse(page)).status_code == 200


# --- coverage ---------------------------------------------------------------------------------


@pytest.fixture
def gaps():
    """One business of each coverage case in 碧江区, and gaps in 万山区 that must not show."""
    unheld = EntityFactory(name="无人包保小卖部")
    held = AssignmentFactory(entity=EntityFactory(name="正常包保超市"))
    EntityFactory(name="已注销小吃店", status=EntityStatus.CLOSED)
    leaver = CadreFactory(name="离岗干部甲", level=Level.VILLAGE)
    AssignmentFactory(cadre=leaver, entity=EntityFactory(name="离岗者的店"))
    cadre_leave(cadre=leaver, reason="调离", by=None)
    regraded = AssignmentFactory(entity=EntityFactory(name="升级餐馆"))
    entity_regrade(entity=regraded.entity, new_grade=Grade.C, reason="规模扩大", by=None)
    EntityFactory(name="万山无人店", division=wanshan_village())
    far_leaver = CadreFactory(name="万山离岗干部", division=wanshan_village())
    AssignmentFactory(cadre=far_leaver, entity=EntityFactory(division=wanshan_village()))
    cadre_leave(cadre=far_leaver, reason="调离", by=None)
    return {"unheld": unheld, "held": held, "leaver": leaver, "regraded": regraded}


def test_coverage_lists_each_gap_with_its_fix(client, gaps):
    # given the county office of 碧江区
    client.force_login(office_user(county()))
    # when it opens the coverage page
    response = client.get(reverse("overview:coverage"))
    text = response.text
    # then the unheld business links to the assign page
    assert "无人包保小卖部" in text
    assert f"{reverse('holdings:assign')}?entity={gaps['unheld'].pk}" in text
    # the cadre who left links to the bulk transfer of their holdings and to their page
    assert "离岗干部甲" in text
    assert f"{reverse('holdings:bulk-transfer')}?cadre={gaps['leaver'].pk}" in text
    assert reverse("cadres:detail", args=[gaps["leaver"].pk]) in text
    # the regraded holding links to its transfer
    assert "升级餐馆" in text
    assert reverse("holdings:transfer", args=[gaps["regraded"].pk]) in text
    # and nothing else: held, closed and 万山区's rows are absent
    for absent in ("正常包保超市", "已注销小吃店", "万山无人店", "万山离岗干部"):
        assert absent not in text
    counts = response.context["counts"]
    assert (counts["unheld"], counts["held_by_left"], counts["below_level"]) == (1, 1, 1)


def test_a_read_only_office_sees_the_gaps_without_actions(client, gaps):
    # given the province office, which only reads
    client.force_login(office_user(province()))
    response = client.get(reverse("overview:coverage"))
    # then it sees the gaps of the whole province, but no action links
    assert "无人包保小卖部" in response.text and "万山无人店" in response.text
    assert reverse("holdings:assign") not in response.text
    assert reverse("holdings:bulk-transfer") not in response.text
    assert reverse("holdings:transfer", args=[gaps["regraded"].pk]) not in response.text


def test_a_township_office_sees_its_township_only(client, gaps):
    EntityFactory(name="川硐无人店", division=second_village())
    client.force_login(office_user(second_township()))
    text = client.get(reverse("overview:coverage")).text
    assert "川硐无人店" in text
    assert "无人包保小卖部" not in text


def test_coverage_filters_by_grade_and_area(client, gaps):
    EntityFactory(name="川硐无人店", division=second_village())
    client.force_login(office_user(county()))
    # grade C: only the regraded holding (now C) remains
    text = client.get(reverse("overview:coverage"), {"grade": "C"}).text
    assert "升级餐馆" in text
    assert "无人包保小卖部" not in text and "川硐无人店" not in text
    # area 川硐街道: only its unheld business
    text = client.get(reverse("overview:coverage"), {"division": second_township().pk}).text
    assert "川硐无人店" in text
    assert "无人包保小卖部" not in text and "升级餐馆" not in text


def test_a_forged_area_outside_the_scope_shows_nothing_of_it(client, gaps):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:coverage"), {"division": wanshan().pk})
    assert response.status_code == 200
    assert "万山无人店" not in response.text
    assert "无人包保小卖部" in response.text  # ignored: the whole scope is shown


def test_a_forged_grade_lists_nothing_and_says_why(client, gaps):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:coverage"), {"grade": "Z"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "无人包保小卖部" not in response.text


def test_a_zone_held_below_level_links_to_the_zone_transfer(client):
    # given a zone held by a village cadre, with a D business in it later regraded to C
    user = office_user(county())
    zone = ZoneFactory(division=village())
    entity = EntityFactory(name="片区内升级店", zone=zone)
    zone_holding = zone_assign(
        zone=zone, cadre=CadreFactory(level=Level.VILLAGE), reason="分片", by=user
    )
    entity_regrade(entity=entity, new_grade=Grade.C, reason="规模扩大", by=user)
    client.force_login(user)
    # when the coverage page is opened
    text = client.get(reverse("overview:coverage")).text
    # then the fix is to hand the zone on
    assert "片区内升级店" in text
    assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in text


def test_a_leaver_of_a_higher_office_is_listed_without_their_page(client):
    # given a city cadre who left holding an A business in 碧江区
    leaver = CadreFactory(name="市级离岗干部", level=Level.CITY)
    AssignmentFactory(cadre=leaver, entity=EntityFactory(grade=Grade.A))
    cadre_leave(cadre=leaver, reason="调离", by=None)
    client.force_login(office_user(county()))
    text = client.get(reverse("overview:coverage")).text
    # then the county sees the gap, but no link to a page it may not open
    assert "市级离岗干部" in text
    assert reverse("cadres:detail", args=[leaver.pk]) not in text
    assert f"{reverse('holdings:bulk-transfer')}?cadre={leaver.pk}" not in text


def test_an_assigned_business_leaves_the_coverage_page(client, gaps):
    user = office_user(county())
    client.force_login(user)
    assignment_create(
        entity=gaps["unheld"], cadre=CadreFactory(level=Level.VILLAGE), by=user, reason="新增"
    )
    assert "无人包保小卖部" not in client.get(reverse("overview:coverage")).text


def _gaps_of_each_kind(n):
    for _ in range(n):
        EntityFactory()
        leaver = CadreFactory(level=Level.VILLAGE)
        AssignmentFactory(cadre=leaver)
        cadre_leave(cadre=leaver, reason="调离", by=None)
        holding = AssignmentFactory()
        entity_regrade(entity=holding.entity, new_grade=Grade.C, reason="升级", by=None)


def test_coverage_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    # given 3 gaps of each kind
    client.force_login(office_user(county()))
    _gaps_of_each_kind(3)
    url = reverse("overview:coverage")
    few = page_queries(client, url)
    # when there are 30 of each
    _gaps_of_each_kind(27)
    # then the page runs no more queries
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["unheld_table"].paginated_rows) == 25


# --- balance ----------------------------------------------------------------------------------


@pytest.fixture
def loads():
    """Village cadres of 碧江区 with loads 0, 1, 2, 2, 9 and a busy one in 万山区."""
    for n in (0, 1, 2, 2, 9):
        cadre = CadreFactory(name=f"村干部{n}", level=Level.VILLAGE)
        for _ in range(n):
            AssignmentFactory(cadre=cadre)
    busy = CadreFactory(name="万山干部", division=wanshan_village())
    for _ in range(12):
        AssignmentFactory(cadre=busy, entity=EntityFactory(division=wanshan_village()))


def test_balance_shows_the_figures_the_chart_and_the_extremes(client, loads):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:balance"))
    # the village level: 5 cadres, min 0, median 2, max 9, threshold 5
    (stats,) = response.context["balance"]["levels"]
    assert (stats.cadres, stats.min, stats.median, stats.max, stats.threshold) == (5, 0, 2, 9, 5)
    text = response.text
    assert '<svg class="boxchart"' in text
    overloaded = response.context["overloaded_table"]
    assert [row.record.name for row in overloaded.paginated_rows] == ["村干部9"]
    assert [row.record.name for row in response.context["idle_table"].paginated_rows] == ["村干部0"]
    assert "万山干部" not in text


def test_balance_of_a_city_compares_its_counties(client, loads):
    client.force_login(office_user(city()))
    response = client.get(reverse("overview:balance"))
    areas = [row["area"].division.name for row in response.context["area_rows"]]
    assert areas == ["碧江区", "万山区"]
    # loads 0 1 2 2 9 12 across the city: median 2, threshold 5, the heaviest first
    overloaded = response.context["overloaded_table"].paginated_rows
    assert [row.record.name for row in overloaded] == ["万山干部", "村干部9"]


def test_balance_narrowed_to_an_area(client, loads):
    CadreFactory(name="川硐闲置干部", division=second_village())
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:balance"), {"division": second_township().pk})
    assert [row.record.name for row in response.context["idle_table"].paginated_rows] == [
        "川硐闲置干部"
    ]


def _cadres_with_loads(n):
    for i in range(n):
        cadre = CadreFactory(level=Level.VILLAGE)
        for _ in range(i % 4):
            AssignmentFactory(cadre=cadre)


def test_balance_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(office_user(county()))
    _cadres_with_loads(3)
    url = reverse("overview:balance")
    few = page_queries(client, url)
    _cadres_with_loads(27)
    with django_assert_max_num_queries(few):
        client.get(url)


# --- the adjustments ledger -------------------------------------------------------------------


def adjustment(entity, kind=AdjustmentKind.ASSIGN, days_ago=0, **fields):
    return Adjustment.objects.create(
        entity=entity,
        kind=kind,
        reason=f"理由{entity.name}",
        effective_date=TODAY - datetime.timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def ledger():
    a = CadreFactory(name="干部甲", level=Level.VILLAGE)
    b = CadreFactory(name="干部乙", level=Level.VILLAGE)
    adjustment(EntityFactory(name="老店"), days_ago=40, to_cadre=a)
    adjustment(
        EntityFactory(name="转交店"), AdjustmentKind.TRANSFER, days_ago=10, from_cadre=a, to_cadre=b
    )
    adjustment(EntityFactory(name="川硐店", division=second_village()), days_ago=5)
    adjustment(EntityFactory(name="万山店", division=wanshan_village()))
    return {"a": a, "b": b}


def _businesses(response) -> list[str]:
    return [row.record.entity.name for row in response.context["table"].paginated_rows]


def test_ledger_lists_the_scope_newest_first(client, ledger):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:adjustments"))
    assert _businesses(response) == ["川硐店", "转交店", "老店"]
    assert "理由转交店" in response.text
    assert "万山店" not in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "transfer"}, ["转交店"]),
        ({"date_from": str(TODAY - datetime.timedelta(days=10))}, ["川硐店", "转交店"]),
        ({"date_to": str(TODAY - datetime.timedelta(days=10))}, ["转交店", "老店"]),
        ({"division": "second_township"}, ["川硐店"]),
        ({"cadre": "a"}, ["转交店", "老店"]),
        ({"cadre": "b"}, ["转交店"]),
    ],
)
def test_ledger_filters(client, ledger, params, expected):
    client.force_login(office_user(county()))
    if params.get("division"):
        params = {"division": second_township().pk}
    if params.get("cadre"):
        params = {"cadre": ledger[params["cadre"]].pk}
    response = client.get(reverse("overview:adjustments"), params)
    assert _businesses(response) == expected


def test_ledger_cadre_links_filter_by_that_cadre(client, ledger):
    client.force_login(office_user(county()))
    text = client.get(reverse("overview:adjustments")).text
    assert f"?cadre={ledger['b'].pk}" in text


def test_ledger_refuses_a_cadre_outside_the_scope(client, ledger):
    # given a 万山区 cadre whose id is put in the address by hand
    stranger = CadreFactory(division=wanshan_village())
    adjustment(EntityFactory(division=wanshan_village()), to_cadre=stranger)
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:adjustments"), {"cadre": stranger.pk})
    # then the page lists nothing and says why
    assert response.status_code == 200
    assert response.context["form"].has_error("cadre", "cadre_out_of_scope")
    assert _businesses(response) == []


def test_ledger_refuses_an_inverted_date_range(client, ledger):
    client.force_login(office_user(county()))
    response = client.get(
        reverse("overview:adjustments"), {"date_from": str(TODAY), "date_to": "2020-01-01"}
    )
    assert response.context["form"].has_error("date_to")
    assert _businesses(response) == []


def _adjustments(n):
    for _ in range(n):
        holding = AssignmentFactory()
        adjustment(
            holding.entity,
            AdjustmentKind.TRANSFER,
            from_cadre=CadreFactory(level=Level.VILLAGE),
            to_cadre=holding.cadre,
            zone=ZoneFactory(),
            created_by=office_user(county()),
        )


def test_ledger_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(office_user(county()))
    _adjustments(3)
    url = reverse("overview:adjustments")
    few = page_queries(client, url)
    _adjustments(27)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["table"].paginated_rows) == 30


def test_the_chart_keeps_an_outlier_from_squashing_the_others():
    # given a level whose loads are 2 2 2 3 and one cadre holding a whole market zone (60)
    stats = LoadStats(Level.VILLAGE, {2: 3, 3: 1, 60: 1})
    stats.threshold = overload_threshold(stats.median)
    # when the chart is drawn
    top = chart_top([stats])
    (row,) = box_chart([stats], top)["rows"]
    # then the axis ends at twice the threshold (10), the outlier is clipped and says so
    assert (stats.median, stats.threshold, top) == (2, 5, 10)
    assert row["clipped"] is True
    assert row["x"]["max"] == 590  # the axis's right end
    assert row["threshold"] == 130 + (590 - 130) * 5 / 10
