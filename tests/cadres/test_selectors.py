"""Reads for the cadre register and assignment work: the cadre picker, a cadre's holdings plan,
the register's filters, and (on PostgreSQL) the indexes that serve them."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from baobao.models import Level
from cadres.models import Cadre, CadreStatus
from cadres.selectors import (
    cadre_holdings_plan,
    cadre_list,
    candidates_for_entity,
    candidates_for_zone,
)
from cadres.selectors.holdings import fitting_cadres_queryset
from cadres.services import zone_assign
from entities.models import EntityStatus, Grade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    cadre_user,
    city,
    county,
    office_user,
    province,
    township,
    village,
    wanshan_township,
    wanshan_village,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def pks(cadres) -> list[int]:
    return [c.pk for c in cadres]


# --- the cadre picker ----------------------------------------------------------------------


def test_candidates_are_the_cadres_above_the_business_at_or_above_its_level():
    # given a grade C business in 金滩社区 (环北街道, 碧江区) and cadres all around it
    entity = EntityFactory(grade=Grade.C)
    at_level = CadreFactory(level=Level.TOWNSHIP)
    county_cadre = CadreFactory(level=Level.COUNTY)
    city_cadre = CadreFactory(level=Level.CITY)
    CadreFactory(level=Level.VILLAGE)  # too low
    CadreFactory(level=Level.TOWNSHIP, status=CadreStatus.LEFT, left_on=TODAY())
    CadreFactory(division=township(code="520602002000", name="另一街道"))  # not above it
    CadreFactory(division=wanshan_township())
    # when the city office asks who may hold it
    found = candidates_for_entity(user=office_user(city()), entity=entity)
    # then the fitting level comes first, then the levels above
    assert pks(found) == [at_level.pk, county_cadre.pk, city_cadre.pk]


def test_candidates_stop_at_the_users_scope():
    entity = EntityFactory(grade=Grade.C)
    at_level = CadreFactory(level=Level.TOWNSHIP)
    county_cadre = CadreFactory(level=Level.COUNTY)
    CadreFactory(level=Level.CITY)
    assert pks(candidates_for_entity(user=office_user(county()), entity=entity)) == [
        at_level.pk,
        county_cadre.pk,
    ]
    assert pks(candidates_for_entity(user=office_user(township()), entity=entity)) == [at_level.pk]


def test_candidates_carry_their_current_load():
    entity = EntityFactory()
    cadre = CadreFactory()
    for _ in range(3):
        AssignmentFactory(cadre=cadre)
    ended = AssignmentFactory(cadre=cadre)
    ended.end_date = TODAY()
    ended.save()
    (found,) = candidates_for_entity(user=admin_user(), entity=entity, exclude=())
    assert (found.pk, found.load) == (cadre.pk, 3)


def test_candidates_may_exclude_the_present_holder():
    holding = AssignmentFactory()
    other = CadreFactory()
    found = candidates_for_entity(
        user=admin_user(), entity=holding.entity, exclude=(holding.cadre_id,)
    )
    assert pks(found) == [other.pk]


def test_zone_candidates_follow_its_most_demanding_open_business():
    # given a zone with a grade C business and a closed grade B one
    zone = ZoneFactory()
    EntityFactory(zone=zone, grade=Grade.C)
    EntityFactory(zone=zone, grade=Grade.B, status=EntityStatus.CLOSED)
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    county_cadre = CadreFactory(level=Level.COUNTY)
    CadreFactory(level=Level.VILLAGE)
    # then township and county cadres may take it
    found, level = candidates_for_zone(user=office_user(county()), zone=zone)
    assert level == Level.TOWNSHIP
    assert pks(found) == [township_cadre.pk, county_cadre.pk]


def test_an_empty_zone_goes_to_any_level_over_its_area():
    zone = ZoneFactory()
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    CadreFactory(level=Level.VILLAGE)  # a village lies inside the zone's township, not above
    found, level = candidates_for_zone(user=office_user(county()), zone=zone)
    assert level == Level.VILLAGE
    assert pks(found) == [township_cadre.pk]


# --- a cadre's holdings plan -----------------------------------------------------------------


def test_the_plan_splits_direct_holdings_and_zones_and_finds_who_fits_each():
    # given a township cadre holding a grade C and a grade D business and a zone
    office = office_user(county())
    cadre = CadreFactory(level=Level.TOWNSHIP)
    c_holding = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C))
    d_holding = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.D))
    zone = ZoneFactory()
    zoned = [EntityFactory(zone=zone) for _ in range(2)]
    zone_holding = zone_assign(zone=zone, cadre=cadre, reason="分片", by=office)
    village_cadre = CadreFactory(level=Level.VILLAGE)
    peer = CadreFactory(level=Level.TOWNSHIP)
    # when the plan is made
    plan = cadre_holdings_plan(user=office, cadre=cadre)
    # then the direct holdings and the zone are apart, each with who may take it
    rows = {row.assignment.pk: row for row in plan.direct}
    assert set(rows) == {c_holding.pk, d_holding.pk}
    assert pks(rows[c_holding.pk].candidates) == [peer.pk]
    assert pks(rows[d_holding.pk].candidates) == [village_cadre.pk, peer.pk]
    (zone_row,) = plan.zones
    assert zone_row.zone_assignment == zone_holding
    assert {a.entity for a in zone_row.assignments} == set(zoned)
    assert pks(zone_row.candidates) == [peer.pk]
    # and only the peer can take all of them at once
    assert pks(plan.for_all) == [peer.pk]
    assert plan.count == 4


def test_the_plan_takes_the_same_queries_whatever_the_number_of_holdings(
    django_assert_max_num_queries,
):
    office = office_user(county())
    cadre = CadreFactory()
    for _ in range(30):
        AssignmentFactory(cadre=cadre)
        CadreFactory()
    with django_assert_max_num_queries(3):
        plan = cadre_holdings_plan(user=office, cadre=cadre)
    assert plan.count == 30
    assert all(len(row.candidates) == 30 for row in plan.direct)


# --- the register's rows -------------------------------------------------------------------


def _listed(user, **params) -> list[Cadre]:
    request = RequestFactory().get("/cadres/", params)
    request.user = user
    _filterset, cadres = cadre_list(request=request)
    return list(cadres)


def test_the_register_is_scoped_and_annotated():
    here = CadreFactory(name="本县")
    AssignmentFactory(cadre=here)
    CadreFactory(division=wanshan_village(), name="外县")
    (row,) = _listed(office_user(county()))
    assert (row.name, row.held) == ("本县", 1)
    assert {c.name for c in _listed(office_user(province()))} == {"本县", "外县"}
    assert _listed(office_user(township(code="520602002000", name="另一街道"))) == []


def test_a_cadre_user_sees_only_themselves():
    me, _other = CadreFactory(), CadreFactory()
    assert _listed(cadre_user(me)) == [me]


# --- indexes (PostgreSQL) ---------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN and the pg_trgm index are PostgreSQL's"
)


def _plan(queryset) -> str:
    """The plan PostgreSQL picks when sequential scans are ruled out: a filter no index can
    serve still shows a Seq Scan."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@postgres_only
@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"q": "王小明"}, "cadre_name_trgm"),
        ({"q": "1390000"}, "cadre_phone_prefix"),
        ({"status": CadreStatus.LEFT}, "cadre_left_division"),
        ({"commitment": "no"}, "cadre_commitment_signed"),
        ({"commitment": "yes"}, "cadre_commitment_signed"),
    ],
)
def test_each_filter_on_a_cadre_column_uses_its_index(params, index):
    # given cadres (the admin: no scope filter to lean on)
    for _ in range(3):
        CadreFactory()
    request = RequestFactory().get("/cadres/", params)
    request.user = admin_user()
    _filterset, cadres = cadre_list(request=request)
    # then the filter is served by its own index
    plan = _plan(cadres)
    assert index in plan, plan
    assert "Seq Scan on cadres_cadre" not in plan, plan


@postgres_only
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"level": Level.TOWNSHIP},
        {"load": "idle"},
        {"load": "holding"},
        {"division": "township"},
        {"sort": "-held"},
    ],
)
def test_the_scoped_list_reads_no_table_whole(params):
    # given a county office's list, with each of the other filters
    office = office_user(county())
    for _ in range(3):
        AssignmentFactory()
    if params.get("division") == "township":
        params = {"division": township().pk}
    request = RequestFactory().get("/cadres/", params)
    request.user = office
    _filterset, cadres = cadre_list(request=request)
    plan = _plan(cadres)
    # then cadres, holdings and divisions are all reached through indexes
    for table in ("cadres_cadre", "cadres_assignment", "baobao_division"):
        assert f"Seq Scan on {table}" not in plan, plan


@postgres_only
def test_the_picker_reads_through_indexes():
    entity = EntityFactory(grade=Grade.C, division=village())
    for _ in range(3):
        AssignmentFactory(cadre=CadreFactory(level=Level.TOWNSHIP))
    office = office_user(county())
    assert len(candidates_for_entity(user=office, entity=entity)) == 3
    queryset = fitting_cadres_queryset(
        user=office, places=[(entity.division, entity.required_level)]
    )
    plan = _plan(queryset)
    for table in ("cadres_cadre", "cadres_assignment", "baobao_division"):
        assert f"Seq Scan on {table}" not in plan, plan


def test_the_area_chooser_narrows_a_province_to_one_city():
    CadreFactory(division=county())
    CadreFactory(
        division=county(
            code="522201000000",
            name="碧江外市县",
            city_division=city(code="522200000000", name="另一市"),
        )
    )
    assert len(_listed(office_user(province()))) == 2
    assert len(_listed(office_user(province()), division=city().pk)) == 1
