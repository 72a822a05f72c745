"""The overview pages as each role sees them: /balance/ and the /adjustments/ ledger, their filters, and a query count that does not grow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.selectors.overview import LoadStats, overload_threshold
from cadres.views.overview import box_chart, chart_top
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    city,
    county,
    office_user,
    second_township,
    second_village,
    wanshan_village,
)
from tests.helpers import page_queries

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate()


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
