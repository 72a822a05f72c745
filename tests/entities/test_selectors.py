"""Reads of the business and zone registers: scope first, the filters, what the table needs in a
fixed number of queries, and (on PostgreSQL) an index behind every selective filter."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from baobao.models import Division, Level
from baobao.selectors import division_children, division_trail
from cadres.models import Adjustment, AdjustmentKind, Assignment, Cadre
from cadres.selectors.histories import entity_adjustments, entity_assignments
from cadres.services import zone_assign
from entities.filters import EntityFilter, ZoneFilter
from entities.models import Entity, EntityStatus, Grade, Zone
from entities.selectors import entity_list, zone_list
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    cadre_user,
    county,
    office_user,
    township,
    valid_uscc,
    village,
    wanshan,
    wanshan_village,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def entity_filter(user, **data) -> EntityFilter:
    request = RequestFactory().get("/entities/", data)
    request.user = user
    return EntityFilter(request.GET, request=request)


def names(qs) -> list[str]:
    return [e.name for e in qs]


@pytest.fixture
def clerk():
    return office_user(county())


def test_the_list_starts_from_the_scope(clerk):
    EntityFactory(name="碧江店")
    EntityFactory(name="万山店", division=wanshan_village())
    assert names(entity_list(user=clerk)) == ["碧江店"]
    assert sorted(names(entity_list(user=admin_user()))) == ["万山店", "碧江店"]


def test_a_filter_cannot_widen_the_scope(clerk):
    # given a business in 万山区 and the 碧江区 clerk filtering on 万山区's area
    EntityFactory(name="万山店", division=wanshan_village())
    filters = entity_filter(clerk, division=wanshan().pk)
    # then nothing of 万山区 comes back
    assert names(entity_list(user=clerk, filters=filters)) == []


def test_the_filters_combine(clerk):
    zone = ZoneFactory()
    AssignmentFactory(entity=EntityFactory(name="甲", grade=Grade.D, zone=zone))
    EntityFactory(name="乙", grade=Grade.D, zone=zone)
    EntityFactory(name="丙", grade=Grade.C, zone=zone)
    filters = entity_filter(clerk, grade="D", zone=zone.pk, covered="no")
    assert names(entity_list(user=clerk, filters=filters)) == ["乙"]


def test_the_search_is_exact_for_codes_and_a_substring_for_names(clerk):
    EntityFactory(name="好味餐馆", uscc=valid_uscc(1))
    EntityFactory(name="好味小吃", uscc=valid_uscc(2))
    assert sorted(names(entity_list(user=clerk, filters=entity_filter(clerk, q=" 好味 ")))) == [
        "好味小吃",
        "好味餐馆",
    ]
    # a partial code is not a code: it finds no name either
    assert names(entity_list(user=clerk, filters=entity_filter(clerk, q=valid_uscc(1)[:12]))) == []
    assert names(entity_list(user=clerk, filters=entity_filter(clerk, q=valid_uscc(2)))) == [
        "好味小吃"
    ]


def test_refused_filter_values_show_nothing(clerk):
    EntityFactory()
    foreign_zone = ZoneFactory(division=wanshan())
    for data in ({"zone": foreign_zone.pk}, {"held_by": 10**9}, {"grade": "Z"}, {"covered": "?"}):
        filters = entity_filter(clerk, **data)
        assert names(entity_list(user=clerk, filters=filters)) == [], data
        assert not filters.is_valid()


def test_the_holder_comes_with_the_page_in_one_more_query(clerk, django_assert_num_queries):
    # given two held businesses, one through a zone, and an unheld one
    zone = ZoneFactory(name="美食街")
    held = AssignmentFactory(entity=EntityFactory(name="甲"))
    EntityFactory(name="乙", zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=None)
    EntityFactory(name="丙")
    # when the list is read, the businesses and their holders take two queries
    with django_assert_num_queries(2):
        rows = list(entity_list(user=clerk))
        holders = {e.name: [a.cadre.name for a in e.current_holdings] for e in rows}
        zones = [a.via_zone.zone.name for e in rows for a in e.current_holdings if a.via_zone_id]
        levels = [a.cadre.level for e in rows for a in e.current_holdings]
    # then each carries its open holding only
    assert holders["甲"] == [held.cadre.name]
    assert len(holders["乙"]) == 1
    assert holders["丙"] == []
    assert zones == ["美食街"]
    assert levels == [Level.TOWNSHIP, Level.VILLAGE]  # 乙 sorts before 甲


def test_ended_holdings_are_not_current(clerk):
    holding = AssignmentFactory()
    Assignment.objects.filter(pk=holding.pk).update(end_date=TODAY)
    assert next(iter(entity_list(user=clerk))).current_holdings == []


def test_a_cadre_sees_history_of_their_own_holdings_only():
    # given a business first held by one cadre, then by another
    first = AssignmentFactory(start_date=TODAY - datetime.timedelta(days=20))
    Assignment.objects.filter(pk=first.pk).update(end_date=TODAY - datetime.timedelta(days=10))
    second = AssignmentFactory(entity=first.entity, start_date=TODAY - datetime.timedelta(days=10))
    office = office_user(county())
    # then the office sees the full history newest first, the new cadre their own rows only
    assert list(entity_assignments(user=office, entity=first.entity)) == [second, first]
    assert list(entity_assignments(user=cadre_user(second.cadre), entity=first.entity)) == [second]


def test_the_adjustments_of_a_business_newest_first(clerk):
    entity = EntityFactory()
    older = Adjustment.objects.create(
        kind=AdjustmentKind.ASSIGN,
        entity=entity,
        reason="a",
        effective_date=TODAY - datetime.timedelta(days=3),
    )
    newer = Adjustment.objects.create(
        kind=AdjustmentKind.END, entity=entity, reason="b", effective_date=TODAY
    )
    Adjustment.objects.create(
        kind=AdjustmentKind.ASSIGN, entity=EntityFactory(), reason="c", effective_date=TODAY
    )
    assert list(entity_adjustments(user=clerk, entity=entity)) == [newer, older]


def test_the_zone_list_counts_open_businesses_and_carries_the_holder(clerk):
    zone = ZoneFactory(name="美食街")
    EntityFactory(zone=zone)
    EntityFactory(zone=zone, status=EntityStatus.SUSPENDED)
    EntityFactory(zone=zone, status=EntityStatus.CLOSED)
    cadre = CadreFactory(level=Level.TOWNSHIP)
    zone_assign(zone=zone, cadre=cadre, reason="分片", by=None)
    ZoneFactory(name="万山市场", division=wanshan())
    request = RequestFactory().get("/")
    request.user = clerk
    (row,) = zone_list(user=clerk, filters=ZoneFilter(request.GET, request=request))
    assert (row.name, row.business_count) == ("美食街", 2)
    assert [h.cadre for h in row.current_holdings] == [cadre]


def test_the_trail_stops_at_the_top_of_the_users_scope():
    community = village()
    assert [d.name for d in division_trail(user=office_user(township()), division=community)] == [
        "环北街道",
        "金滩社区",
    ]
    assert [d.name for d in division_trail(user=admin_user(), division=community)] == [
        "贵州省",
        "铜仁市",
        "碧江区",
        "环北街道",
        "金滩社区",
    ]


def test_the_children_are_one_level_down():
    village()
    wanshan_village()
    assert [d.name for d in division_children(user=admin_user(), division=county())] == ["环北街道"]
    assert [d.name for d in division_children(user=admin_user(), division=None)] == ["贵州省"]


# --- an index behind every selective filter (PostgreSQL) ------------------------------------


@pytest.fixture
def register():
    """碧江区 with 5 streets × 10 communities, 3,000 businesses (one with a distinctive name),
    20 zones holding a few businesses each, and 100 village cadres holding 30 businesses each."""
    bijiang = county()
    streets = [
        Division.objects.create(
            code=f"520602{t:03d}000", name=f"街道{t}", level=Level.TOWNSHIP, parent=bijiang
        )
        for t in range(1, 6)
    ]
    communities = [
        Division.objects.create(
            code=f"520602{t:03d}{v:03d}", name=f"社区{t}-{v}", level=Level.VILLAGE, parent=street
        )
        for t, street in enumerate(streets, 1)
        for v in range(1, 11)
    ]
    zones = Zone.objects.bulk_create(
        Zone(name=f"片区{z}", kind="other", division=streets[z % 5]) for z in range(20)
    )
    entities = Entity.objects.bulk_create(
        Entity(
            name="碧江好味烧烤城" if n == 7 else f"测试商店{n}",
            uscc=valid_uscc(500000 + n),
            licence_no=f"JY{n:014d}",
            business_type="catering",
            grade="D",
            division=communities[n % 50],
            division_path=communities[n % 50].path,
            zone=zones[n % 20] if n % 30 == 0 else None,
        )
        for n in range(3000)
    )
    cadres = Cadre.objects.bulk_create(
        Cadre(name=f"干部{c}", division=communities[c % 50], phone=f"139{c:08d}")
        for c in range(100)
    )
    Assignment.objects.bulk_create(
        Assignment(entity=e, cadre=cadres[i % 100], start_date=datetime.date(2026, 1, 1))
        for i, e in enumerate(entities)
    )
    with connection.cursor() as cursor:
        for table in ("entities_entity", "cadres_assignment", "baobao_division", "entities_zone"):
            cursor.execute(f"ANALYZE {table}")
        # Autovacuum does this on a live database; a test's fresh rows sit in GIN's pending list.
        for index in ("entity_name_trgm", "entity_name_bigrams"):
            cursor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
    return {"county": bijiang, "community": communities[4], "zone": zones[0], "cadre": cadres[3]}


def page_plan(user, **data) -> str:
    """EXPLAIN of the query the list page runs for these filters (its first page)."""
    queryset = entity_list(user=user, filters=entity_filter(user, **data))[:51]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
def test_every_selective_filter_is_served_by_an_index(register):
    # given a register of a few thousand businesses and its statistics
    clerk = office_user(register["county"])
    # and a planner told to avoid sequential scans: on a table this small it would rightly prefer
    # them, and the test is whether an index CAN serve each filter (SET LOCAL ends with the test)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    cases = {
        "name search": ({"q": "好味烧烤"}, ["entity_name_trgm"]),
        "two-character name search": ({"q": "烧烤"}, ["entity_name_bigrams"]),
        "credit code": ({"q": valid_uscc(500010)}, ["entity_uscc_unique"]),
        "licence": ({"q": "JY00000000000011"}, ["entity_licence_unique"]),
        "held by": (
            {"held_by": register["cadre"].pk},
            ["assignment_cadre_end", "entities_entity_pkey"],
        ),
        "zone": ({"zone": register["zone"].pk}, ["entities_entity_zone_id"]),
        "area subtree": (
            {"division": register["community"].pk},
            ["entity_area_name_id"],
        ),
        "grade": ({"grade": "A"}, ["entity_grade_status"]),
        "status": ({"status": "closed"}, ["entity_status"]),
        "business type": ({"business_type": "stall"}, ["entity_business_type"]),
        # a county's businesses in name order, off the county's own index (NAME_ORDERED_DIGITS)
        "no filter, sorted by name": ({}, ["entity_county_name_id"]),
    }
    for case, (data, indexes) in cases.items():
        # when the page's query is planned
        plan = page_plan(clerk, **data)
        # then the businesses are not read by a sequential scan, and the expected index serves it
        assert "Seq Scan on entities_entity" not in plan, f"{case}:\n{plan}"
        for index in indexes:
            assert index in plan, f"{case}: {index} not used\n{plan}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
def test_the_name_search_uses_the_trigram_index_without_forcing(register):
    # given the same register with the planner left to its own costs
    clerk = office_user(register["county"])
    # when a name is searched among 3,000 businesses
    plan = page_plan(clerk, q="好味烧烤")
    # then the trigram index is chosen over reading the table
    assert "entity_name_trgm" in plan, plan


def test_the_list_page_reads_its_holders_without_their_zones(clerk, django_assert_num_queries):
    # given a business held through a zone
    zone = ZoneFactory(name="美食街")
    EntityFactory(name="乙", zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=None)
    # when the list page's rows are read (the table shows only that a holding is through a zone)
    with django_assert_num_queries(2) as captured:
        rows = list(entity_list(user=clerk, holder_zones=False))
        through = [a.via_zone_id for e in rows for a in e.current_holdings]
        levels = [a.cadre.level for e in rows for a in e.current_holdings]
    # then the holders come with their cadres, and without the zone tables
    assert all(through) and levels == [Level.TOWNSHIP]
    assert "entities_zone" not in captured.captured_queries[1]["sql"]
