"""The write services for cadres, aides, holdings and zones, and the ledger rows each one writes."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from baobao.models import Level
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from cadres.services import (
    aide_add,
    aide_remove,
    assignment_create,
    assignment_end,
    assignment_escalate,
    assignment_transfer,
    assignments_transfer_bulk,
    cadre_create,
    cadre_holdings_reassign,
    cadre_leave,
    cadre_update,
    zone_assign,
    zone_end,
    zone_transfer,
)
from entities.models import EntityStatus, Grade
from entities.services import entity_close, entity_regrade, entity_update
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    aide_data,
    aide_user,
    cadre_user,
    city,
    county,
    new_mobile,
    office_user,
    province,
    township,
    village,
    wanshan,
    wanshan_township,
    wanshan_village,
)
from tests.helpers import assert_handed_over, current, ledger, refused

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
# 层级对应包保, written out from DOMAIN.md rather than imported, so the tests check the code.
GRADE_LEVEL = {
    Grade.A: Level.CITY,
    Grade.B: Level.COUNTY,
    Grade.C: Level.TOWNSHIP,
    Grade.D: Level.VILLAGE,
}


@contextmanager
def nothing_written():
    """Expect no holding, zone holding or ledger row to be added or changed in the block."""

    def snapshot():
        return (
            list(Assignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
            list(ZoneAssignment.objects.order_by("pk").values_list("pk", "end_date")),
            Adjustment.objects.count(),
        )

    before = snapshot()
    yield
    assert snapshot() == before


@pytest.fixture
def office():
    return office_user(county())


# --- level correspondence (层级对应包保) --------------------------------------------------------


@pytest.mark.parametrize("grade", list(Grade))
def test_a_cadre_exactly_at_the_grade_level_may_hold_it(office, grade):
    # given a business of the grade and a cadre of the level it requires
    entity = EntityFactory(grade=grade)
    cadre = CadreFactory(level=GRADE_LEVEL[grade])
    # when the office assigns it
    assignment = assignment_create(entity=entity, cadre=cadre, by=office, reason="年度分配")
    # then the cadre holds it, not as an escalation, and the ledger says so
    assert current(entity) == assignment
    assert (assignment.cadre, assignment.escalated, assignment.start_date) == (
        cadre,
        False,
        TODAY(),
    )
    adjustment = Adjustment.objects.get(entity=entity)
    assert (adjustment.kind, adjustment.to_cadre, adjustment.reason) == (
        AdjustmentKind.ASSIGN,
        cadre,
        "年度分配",
    )
    assert adjustment.created_by == office


@pytest.mark.parametrize(
    ("grade", "cadre_level"),
    [(Grade.A, Level.COUNTY), (Grade.B, Level.TOWNSHIP), (Grade.C, Level.VILLAGE)],
)
def test_a_cadre_below_the_grade_level_is_refused(office, grade, cadre_level):
    # given a business and a cadre one level below what its grade requires
    entity = EntityFactory(grade=grade)
    cadre = CadreFactory(level=cadre_level)
    # when the office tries to assign it, even with an escalation reason
    with nothing_written(), refused("level_too_low"):
        assignment_create(entity=entity, cadre=cadre, by=office, escalation_reason="风险高")
    # then nothing is written
    assert not Assignment.objects.exists()
    assert not Adjustment.objects.exists()


def test_a_grade_a_business_is_refused_to_a_village_cadre(office):
    # given a school canteen (A) and a village cadre, three levels below
    entity = EntityFactory(grade=Grade.A)
    # then the assignment is refused
    with refused("level_too_low"):
        assignment_create(entity=entity, cadre=CadreFactory(level=Level.VILLAGE), by=office)


@pytest.mark.parametrize(
    ("grade", "cadre_level"),
    [
        (Grade.A, Level.PROVINCE),
        (Grade.B, Level.CITY),
        (Grade.C, Level.COUNTY),
        (Grade.D, Level.TOWNSHIP),
    ],
)
def test_a_cadre_above_the_level_needs_an_escalation_reason(office, grade, cadre_level):
    # given a business and a cadre above the level its grade requires
    entity = EntityFactory(grade=grade)
    cadre = CadreFactory(level=cadre_level)
    # when the office assigns it without an escalation reason (a blank one counts as none)
    with nothing_written(), refused("escalation_reason_required"):
        assignment_create(entity=entity, cadre=cadre, by=office, escalation_reason="  ")
    # then it is refused


@pytest.mark.parametrize(
    ("grade", "cadre_level"),
    [
        (Grade.A, Level.PROVINCE),
        (Grade.B, Level.CITY),
        (Grade.C, Level.COUNTY),
        (Grade.D, Level.TOWNSHIP),
    ],
)
def test_an_escalation_with_a_reason_is_recorded(office, grade, cadre_level):
    # given a business and a cadre above its level
    entity = EntityFactory(grade=grade)
    cadre = CadreFactory(level=cadre_level)
    # when the office assigns it with a reason (提级包保)
    assignment = assignment_create(
        entity=entity, cadre=cadre, by=office, escalation_reason=" 风险较高 "
    )
    # then the holding is marked escalated with its reason, and the ledger says "escalate"
    assert (assignment.escalated, assignment.escalation_reason) == (True, "风险较高")
    adjustment = Adjustment.objects.get(entity=entity)
    assert (adjustment.kind, adjustment.to_cadre, adjustment.reason) == (
        AdjustmentKind.ESCALATE,
        cadre,
        "风险较高",
    )


def test_a_cadre_whose_area_does_not_contain_the_business_is_refused(office):
    # given a township business and a township cadre of a neighbouring street
    entity = EntityFactory(grade=Grade.C)
    other_street = township(code="520602002000", name="川硐街道")
    cadre = CadreFactory(division=other_street)
    # then the assignment is refused as outside their area
    with nothing_written(), refused("outside_area"):
        assignment_create(entity=entity, cadre=cadre, by=office)


def test_a_cadre_of_another_county_is_refused(office):
    # given a county-level cadre of 万山区 and a grade B business of 碧江区
    entity = EntityFactory(grade=Grade.B)
    cadre = CadreFactory(division=wanshan())
    # then the assignment is refused as outside their area
    with refused("outside_area"):
        assignment_create(entity=entity, cadre=cadre, by=office)


def test_a_cadre_who_has_left_cannot_take_a_holding(office):
    # given a cadre who has left
    cadre = CadreFactory(status=CadreStatus.LEFT, left_on=TODAY())
    # then they cannot be assigned anything
    with nothing_written(), refused("cadre_left"):
        assignment_create(entity=EntityFactory(), cadre=cadre, by=office)


def test_a_closed_business_cannot_be_assigned(office):
    # given a closed business
    entity = EntityFactory(status=EntityStatus.CLOSED)
    # then it cannot be assigned
    with nothing_written(), refused("entity_closed"):
        assignment_create(entity=entity, cadre=CadreFactory(), by=office)


def test_a_suspended_business_may_still_be_assigned(office):
    # given a suspended business (it may reopen; it still needs a cadre)
    entity = EntityFactory(status=EntityStatus.SUSPENDED)
    # when it is assigned
    assignment_create(entity=entity, cadre=CadreFactory(), by=office)
    # then it is held
    assert current(entity)


def test_an_assignment_cannot_start_in_the_future(office):
    # given a business and a cadre
    entity, cadre = EntityFactory(), CadreFactory()
    # when the office dates the holding tomorrow
    tomorrow = TODAY() + datetime.timedelta(days=1)
    # then it is refused
    with nothing_written(), refused("future_date"):
        assignment_create(entity=entity, cadre=cadre, by=office, start_date=tomorrow)


def test_an_assignment_may_start_in_the_past(office):
    # given a holding that began before it was entered
    entity, cadre = EntityFactory(), CadreFactory()
    start = TODAY() - datetime.timedelta(days=10)
    # when it is entered with its real start date
    assignment = assignment_create(entity=entity, cadre=cadre, by=office, start_date=start)
    # then the holding and its ledger row carry that date
    assert assignment.start_date == start
    assert Adjustment.objects.get(entity=entity).effective_date == start


# --- one active holder ----------------------------------------------------------------------


def test_a_held_business_cannot_be_assigned_again(office):
    # given a business already held
    held = AssignmentFactory()
    # when the office assigns it to another cadre
    with nothing_written(), refused("already_held"):
        assignment_create(entity=held.entity, cadre=CadreFactory(), by=office)
    # then the first holder keeps it
    assert current(held.entity) == held


def test_a_business_held_before_may_be_assigned_again_after_its_holding_ended(office):
    # given a business whose earlier holding ended
    old = AssignmentFactory(end_date=TODAY() - datetime.timedelta(days=1))
    # when it is assigned again
    new = assignment_create(entity=old.entity, cadre=CadreFactory(), by=office)
    # then the new holding is the current one
    assert current(old.entity) == new


# --- transfer, escalate, end ----------------------------------------------------------------


def test_a_transfer_ends_the_old_holding_the_day_the_new_one_starts(office):
    # given a business held for a month
    old = AssignmentFactory()
    successor = CadreFactory(level=Level.VILLAGE)
    day = TODAY() - datetime.timedelta(days=2)
    # when the office transfers it, effective two days ago
    new = assignment_transfer(
        assignment=old, to_cadre=successor, reason="岗位调整", by=office, effective_date=day
    )
    # then the old holding ends on that day and the new one starts on it
    old.refresh_from_db()
    assert old.end_date == day
    assert (new.cadre, new.start_date, new.end_date, new.escalated) == (successor, day, None, False)
    assert current(old.entity) == new
    # and the ledger has one transfer row, old → new, with the reason
    adjustment = Adjustment.objects.get(entity=old.entity)
    assert (
        adjustment.kind,
        adjustment.from_cadre,
        adjustment.to_cadre,
        adjustment.reason,
        adjustment.effective_date,
        adjustment.created_by,
    ) == (AdjustmentKind.TRANSFER, old.cadre, successor, "岗位调整", day, office)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_transfer_needs_a_reason(office, reason):
    # given a holding
    old = AssignmentFactory()
    # when the office transfers it without a reason
    with nothing_written(), refused("reason_required"):
        assignment_transfer(assignment=old, to_cadre=CadreFactory(), reason=reason, by=office)
    # then nothing changes


def test_a_transfer_cannot_take_effect_in_the_future(office):
    old = AssignmentFactory()
    with nothing_written(), refused("future_date"):
        assignment_transfer(
            assignment=old,
            to_cadre=CadreFactory(),
            reason="岗位调整",
            by=office,
            effective_date=TODAY() + datetime.timedelta(days=1),
        )


def test_a_transfer_cannot_take_effect_before_the_holding_began(office):
    # given a holding that began 30 days ago
    old = AssignmentFactory()
    # when the office backdates a transfer before that
    with nothing_written(), refused("date_before_start"):
        assignment_transfer(
            assignment=old,
            to_cadre=CadreFactory(),
            reason="岗位调整",
            by=office,
            effective_date=old.start_date - datetime.timedelta(days=1),
        )


def test_a_transfer_to_a_higher_level_cadre_needs_an_escalation_reason(office):
    # given a grade D business held by a village cadre, and a township cadre
    old = AssignmentFactory()
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    # when the office transfers it up without an escalation reason
    with nothing_written(), refused("escalation_reason_required"):
        assignment_transfer(assignment=old, to_cadre=township_cadre, reason="调整", by=office)
    # and with one
    new = assignment_transfer(
        assignment=old,
        to_cadre=township_cadre,
        reason="调整",
        escalation_reason="投诉较多",
        by=office,
    )
    # then the new holding is an escalation and the ledger row says so
    assert (new.escalated, new.escalation_reason) == (True, "投诉较多")
    assert ledger(old.entity) == [(AdjustmentKind.ESCALATE, old.cadre_id, township_cadre.pk)]


def test_a_transfer_to_a_lower_level_cadre_is_refused(office):
    # given a grade C business held by its township cadre
    old = AssignmentFactory(entity=EntityFactory(grade=Grade.C))
    # then it cannot be transferred to a village cadre
    with nothing_written(), refused("level_too_low"):
        assignment_transfer(
            assignment=old, to_cadre=CadreFactory(level=Level.VILLAGE), reason="调整", by=office
        )


def test_a_transfer_to_the_same_cadre_is_refused(office):
    old = AssignmentFactory()
    with nothing_written(), refused("same_cadre"):
        assignment_transfer(assignment=old, to_cadre=old.cadre, reason="调整", by=office)


def test_an_ended_holding_cannot_be_transferred(office):
    # given a holding that already ended
    old = AssignmentFactory(end_date=TODAY())
    # then transferring it is refused as stale
    with nothing_written(), refused("stale"):
        assignment_transfer(assignment=old, to_cadre=CadreFactory(), reason="调整", by=office)


def test_a_transfer_to_a_cadre_who_has_left_is_refused(office):
    old = AssignmentFactory()
    gone = CadreFactory(status=CadreStatus.LEFT, left_on=TODAY())
    with nothing_written(), refused("cadre_left"):
        assignment_transfer(assignment=old, to_cadre=gone, reason="调整", by=office)


def test_escalate_moves_the_holding_up_with_its_reason(office):
    # given a grade B business held by a county cadre, and a city cadre
    old = AssignmentFactory(entity=EntityFactory(grade=Grade.B))
    city_cadre = CadreFactory(level=Level.CITY)
    # when the office escalates it (提级包保)
    new = assignment_escalate(assignment=old, to_cadre=city_cadre, reason="重大活动保障", by=office)
    # then the city cadre holds it as an escalation, with the reason in the holding and ledger
    assert (new.cadre, new.escalated, new.escalation_reason) == (city_cadre, True, "重大活动保障")
    adjustment = Adjustment.objects.get(entity=old.entity)
    assert (adjustment.kind, adjustment.from_cadre, adjustment.to_cadre, adjustment.reason) == (
        AdjustmentKind.ESCALATE,
        old.cadre,
        city_cadre,
        "重大活动保障",
    )


@pytest.mark.parametrize("level", [Level.COUNTY, Level.TOWNSHIP])
def test_escalate_refuses_a_cadre_not_above_the_level(office, level):
    # given a grade B business and a cadre at or below county level
    old = AssignmentFactory(entity=EntityFactory(grade=Grade.B))
    # then escalating to them is refused
    with nothing_written(), refused("not_an_escalation"):
        assignment_escalate(
            assignment=old, to_cadre=CadreFactory(level=level), reason="风险", by=office
        )


def test_escalate_needs_a_reason(office):
    old = AssignmentFactory()
    with nothing_written(), refused("reason_required"):
        assignment_escalate(
            assignment=old, to_cadre=CadreFactory(level=Level.TOWNSHIP), reason="", by=office
        )


def test_ending_a_holding_leaves_the_business_unheld(office):
    # given a held business
    old = AssignmentFactory()
    # when the office ends the holding
    assignment_end(assignment=old, reason="主体歇业整顿", by=office)
    # then it ends today, the business is a coverage gap, and the ledger says "end"
    old.refresh_from_db()
    assert old.end_date == TODAY()
    assert current(old.entity) is None
    adjustment = Adjustment.objects.get(entity=old.entity)
    assert (adjustment.kind, adjustment.from_cadre, adjustment.to_cadre, adjustment.reason) == (
        AdjustmentKind.END,
        old.cadre,
        None,
        "主体歇业整顿",
    )


def test_ending_a_holding_needs_a_reason(office):
    old = AssignmentFactory()
    with nothing_written(), refused("reason_required"):
        assignment_end(assignment=old, reason=" ", by=office)


def test_an_ended_holding_cannot_be_ended_again(office):
    old = AssignmentFactory(end_date=TODAY())
    with nothing_written(), refused("ended"):
        assignment_end(assignment=old, reason="重复", by=office)


def test_a_holding_cannot_end_before_it_began(office):
    old = AssignmentFactory()
    with nothing_written(), refused("date_before_start"):
        assignment_end(
            assignment=old,
            reason="补录",
            by=office,
            effective_date=old.start_date - datetime.timedelta(days=1),
        )


# --- bulk transfer --------------------------------------------------------------------------


def test_bulk_transfer_moves_every_holding_with_a_ledger_row_each(office):
    # given three businesses held by two village cadres
    holdings = [AssignmentFactory() for _ in range(3)]
    successor = CadreFactory(level=Level.VILLAGE)
    # when the office transfers them all at once
    created = assignments_transfer_bulk(
        assignments=holdings, to_cadre=successor, reason="村两委换届", by=office
    )
    # then every one is held by the successor, and each has its transfer row
    assert len(created) == 3
    for old in holdings:
        assert current(old.entity).cadre == successor
        assert ledger(old.entity) == [(AdjustmentKind.TRANSFER, old.cadre_id, successor.pk)]


def test_bulk_transfer_is_all_or_nothing(office):
    # given two fitting holdings and one grade C business the village successor may not hold
    holdings = [AssignmentFactory() for _ in range(2)]
    holdings.append(AssignmentFactory(entity=EntityFactory(grade=Grade.C)))
    successor = CadreFactory(level=Level.VILLAGE)
    # when the office transfers them together
    with nothing_written(), refused("level_too_low"):
        assignments_transfer_bulk(
            assignments=holdings, to_cadre=successor, reason="村两委换届", by=office
        )
    # then none changed hands
    assert [current(a.entity) for a in holdings] == holdings


def test_bulk_transfer_refuses_a_holding_through_a_zone(office):
    # given a direct holding and a business held through its zone
    direct = AssignmentFactory()
    zone = ZoneFactory()
    zoned = EntityFactory(zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="美食街", by=office)
    # when both are transferred together
    with nothing_written(), refused("held_by_zone"):
        assignments_transfer_bulk(
            assignments=[direct, current(zoned)],
            to_cadre=CadreFactory(level=Level.VILLAGE),
            reason="调整",
            by=office,
        )


def _bulk_setup(n):
    holdings = [AssignmentFactory() for _ in range(n)]
    return holdings, CadreFactory(level=Level.VILLAGE), office_user(county())


def test_bulk_transfer_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    # given 3 holdings, and the queries it takes to transfer them
    few, to_few, by = _bulk_setup(3)
    with CaptureQueriesContext(connection) as ctx:
        assignments_transfer_bulk(assignments=few, to_cadre=to_few, reason="换届", by=by)
    # when 30 holdings are transferred the same way
    many, to_many, by = _bulk_setup(30)
    # then it takes no more queries than 3 did
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assignments_transfer_bulk(assignments=many, to_cadre=to_many, reason="换届", by=by)
    assert Assignment.objects.filter(cadre=to_many, end_date__isnull=True).count() == 30


def _zone_setup(n):
    zone = ZoneFactory()
    for _ in range(n):
        AssignmentFactory(entity=EntityFactory(zone=zone))
    return zone, CadreFactory(level=Level.TOWNSHIP), office_user(county())


def test_zone_assign_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    # given a zone of 3 directly held businesses, and the queries it takes to assign it
    zone, cadre, by = _zone_setup(3)
    with CaptureQueriesContext(connection) as ctx:
        zone_assign(zone=zone, cadre=cadre, reason="分片", by=by)
    # when a zone of 30 is assigned the same way
    zone, cadre, by = _zone_setup(30)
    # then it takes no more queries than 3 did
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        zone_assign(zone=zone, cadre=cadre, reason="分片", by=by)
    assert Assignment.objects.filter(cadre=cadre, via_zone__isnull=False).count() == 30


# --- zones (分片包保) -------------------------------------------------------------------------


def test_zone_assign_holds_every_open_business_in_the_zone(office):
    # given a restaurant street with two open businesses, one closed and one elsewhere
    zone = ZoneFactory()
    inside = [EntityFactory(zone=zone), EntityFactory(zone=zone, grade=Grade.C)]
    closed = EntityFactory(zone=zone, status=EntityStatus.CLOSED)
    outside = EntityFactory()
    cadre = CadreFactory(level=Level.TOWNSHIP)
    # when a township cadre takes the zone
    za = zone_assign(zone=zone, cadre=cadre, reason="美食街分片包保", by=office)
    # then each open business in it is held by them through the zone
    for entity in inside:
        holding = current(entity)
        assert (holding.cadre, holding.via_zone, holding.start_date) == (cadre, za, TODAY())
        adjustment = Adjustment.objects.get(entity=entity)
        assert (adjustment.kind, adjustment.from_cadre, adjustment.to_cadre, adjustment.zone) == (
            AdjustmentKind.ZONE_ASSIGN,
            None,
            cadre,
            zone,
        )
    # and holding from above through a zone (分片包保) is not counted as an escalation
    assert [current(e).escalated for e in inside] == [False, False]
    # and nothing else is held
    assert current(closed) is None
    assert current(outside) is None


def test_zone_assign_takes_over_businesses_held_directly(office):
    # given a business in the zone held directly by a village cadre
    zone = ZoneFactory()
    old = AssignmentFactory(entity=EntityFactory(zone=zone))
    cadre = CadreFactory(level=Level.TOWNSHIP)
    # when a township cadre takes the zone
    za = zone_assign(zone=zone, cadre=cadre, reason="美食街分片包保", by=office)
    # then the business passes to them, and the ledger shows from → to
    old.refresh_from_db()
    assert old.end_date == TODAY()
    assert (current(old.entity).cadre, current(old.entity).via_zone) == (cadre, za)
    assert ledger(old.entity) == [(AdjustmentKind.ZONE_ASSIGN, old.cadre_id, cadre.pk)]


def test_a_business_in_a_held_zone_cannot_be_assigned_directly(office):
    # given a zone held by a cadre and a business in it
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    # when the office tries to assign it to a cadre directly
    # then it is refused: it is already held, through its zone
    with nothing_written(), refused("already_held"):
        assignment_create(entity=entity, cadre=CadreFactory(), by=office)


def test_an_unheld_business_in_a_held_zone_cannot_be_assigned_directly(office):
    # given a held zone and one of its businesses whose via-zone holding was ended in the data
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    Assignment.objects.filter(entity=entity).update(end_date=TODAY())
    # when the office assigns it directly
    # then it is refused: the zone's cadre is the one to hold it
    with nothing_written(), refused("held_by_zone"):
        assignment_create(entity=entity, cadre=CadreFactory(), by=office)


def test_a_holding_through_a_zone_cannot_be_transferred_or_ended_on_its_own(office):
    # given a business held through its zone
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    holding = current(entity)
    # then it cannot be transferred or ended apart from the zone
    with nothing_written(), refused("held_by_zone"):
        assignment_transfer(assignment=holding, to_cadre=CadreFactory(), reason="调", by=office)
    with nothing_written(), refused("held_by_zone"):
        assignment_end(assignment=holding, reason="解除", by=office)


def test_zone_assign_checks_the_level_of_every_business_in_the_zone(office):
    # given a zone with a grade D and a grade B business
    zone = ZoneFactory()
    EntityFactory(zone=zone)
    EntityFactory(zone=zone, grade=Grade.B)
    # when a township cadre takes the zone
    with nothing_written(), refused("level_too_low"):
        zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    # then it is refused and nothing is held
    assert not ZoneAssignment.objects.exists()


def test_a_zone_already_held_cannot_be_assigned_again(office):
    zone = ZoneFactory()
    zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    with nothing_written(), refused("zone_held"):
        zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="再", by=office)


def test_zone_assign_needs_a_reason(office):
    with nothing_written(), refused("reason_required"):
        zone_assign(
            zone=ZoneFactory(), cadre=CadreFactory(level=Level.TOWNSHIP), reason="", by=office
        )


@pytest.mark.parametrize(
    ("make_cadre", "code"),
    [
        pytest.param(
            lambda: CadreFactory(division=wanshan_township()), "outside_area", id="another-county"
        ),
        pytest.param(
            lambda: CadreFactory(level=Level.TOWNSHIP, status=CadreStatus.LEFT, left_on=TODAY()),
            "cadre_left",
            id="left",
        ),
        pytest.param(
            lambda: CadreFactory(level=Level.VILLAGE), "outside_area", id="village-for-a-street"
        ),
    ],
)
def test_an_empty_zone_is_refused_to_a_cadre_who_could_not_hold_its_businesses(
    office, make_cadre, code
):
    # given a township-wide zone with no business yet (businesses join it later)
    zone = ZoneFactory()
    # when it is given to a cadre outside its area, one who has left, or a village cadre
    # then it is refused
    with nothing_written(), refused(code):
        zone_assign(zone=zone, cadre=make_cadre(), reason="分片", by=office)


def test_zone_transfer_moves_every_business_in_the_zone(office):
    # given a zone of two businesses held by a township cadre
    zone = ZoneFactory()
    entities = [EntityFactory(zone=zone), EntityFactory(zone=zone)]
    first = CadreFactory(level=Level.TOWNSHIP)
    old = zone_assign(zone=zone, cadre=first, reason="分片", by=office)
    second = CadreFactory(level=Level.TOWNSHIP)
    # when the zone passes to another township cadre
    new = zone_transfer(zone_assignment=old, to_cadre=second, reason="人事调整", by=office)
    # then the old zone holding ends, and every business moves with a from → to row
    old.refresh_from_db()
    assert old.end_date == TODAY()
    assert (new.cadre, new.zone, new.end_date) == (second, zone, None)
    for entity in entities:
        assert (current(entity).cadre, current(entity).via_zone) == (second, new)
        assert ledger(entity)[-1] == (AdjustmentKind.ZONE_ASSIGN, first.pk, second.pk)


def test_zone_transfer_checks_the_level(office):
    # given a zone with a grade C business held by a township cadre
    zone = ZoneFactory()
    EntityFactory(zone=zone, grade=Grade.C)
    old = zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分", by=office)
    # then it cannot pass to a village cadre
    with nothing_written(), pytest.raises(ValidationError):
        zone_transfer(
            zone_assignment=old, to_cadre=CadreFactory(level=Level.VILLAGE), reason="调", by=office
        )


def test_zone_transfer_cannot_take_effect_before_the_zone_holding_began(office):
    # given a zone held since yesterday
    zone = ZoneFactory()
    EntityFactory(zone=zone)
    yesterday = TODAY() - datetime.timedelta(days=1)
    old = zone_assign(
        zone=zone,
        cadre=CadreFactory(level=Level.TOWNSHIP),
        reason="分",
        by=office,
        start_date=yesterday,
    )
    # when the office backdates a transfer before that
    with nothing_written(), refused("date_before_start"):
        zone_transfer(
            zone_assignment=old,
            to_cadre=CadreFactory(level=Level.TOWNSHIP),
            reason="调",
            by=office,
            effective_date=yesterday - datetime.timedelta(days=1),
        )


def test_zone_end_ends_every_holding_through_the_zone(office):
    # given a zone of two businesses held by a cadre
    zone = ZoneFactory()
    entities = [EntityFactory(zone=zone), EntityFactory(zone=zone)]
    cadre = CadreFactory(level=Level.TOWNSHIP)
    za = zone_assign(zone=zone, cadre=cadre, reason="分片", by=office)
    # when the zone holding ends
    zone_end(zone_assignment=za, reason="片区撤销", by=office)
    # then the zone and every business in it are unheld, each with a zone_end row
    za.refresh_from_db()
    assert za.end_date == TODAY()
    for entity in entities:
        assert current(entity) is None
        assert ledger(entity)[-1] == (AdjustmentKind.ZONE_END, cadre.pk, None)
        assert Adjustment.objects.filter(entity=entity, kind="zone_end").get().zone == zone


def test_an_ended_zone_holding_cannot_be_ended_or_transferred(office):
    za = zone_assign(
        zone=ZoneFactory(), cadre=CadreFactory(level=Level.TOWNSHIP), reason="分", by=office
    )
    zone_end(zone_assignment=za, reason="撤销", by=office)
    with nothing_written(), refused("ended"):
        zone_end(zone_assignment=za, reason="撤销", by=office)
    with nothing_written(), refused("ended"):
        zone_transfer(
            zone_assignment=za, to_cadre=CadreFactory(level=Level.TOWNSHIP), reason="调", by=office
        )


def test_zone_end_cannot_take_effect_before_a_business_joined(office):
    # given a zone held since last week, and a business that joined it today
    zone = ZoneFactory()
    za = zone_assign(
        zone=zone,
        cadre=CadreFactory(level=Level.TOWNSHIP),
        reason="分",
        by=office,
        start_date=TODAY() - datetime.timedelta(days=7),
    )
    entity_update(entity=EntityFactory(), zone=zone, by=office)
    # when the zone holding is ended as of three days ago
    with nothing_written(), refused("date_before_start"):
        zone_end(
            zone_assignment=za,
            reason="撤销",
            by=office,
            effective_date=TODAY() - datetime.timedelta(days=3),
        )
    # then it is refused, not left to the database constraint


# --- a cadre leaves (离岗) -------------------------------------------------------------------


def test_a_cadre_who_leaves_without_successor_leaves_coverage_gaps(office):
    # given a cadre with a login and two holdings
    cadre = CadreFactory()
    holdings = [AssignmentFactory(cadre=cadre) for _ in range(2)]
    user = cadre_user(cadre)
    # when the cadre leaves with no one named to take over
    left_behind = cadre_leave(cadre=cadre, reason="退休", by=office)
    # then they are recorded as left today, their login is off
    cadre.refresh_from_db()
    user.refresh_from_db()
    assert (cadre.status, cadre.left_on, cadre.left_reason) == (CadreStatus.LEFT, TODAY(), "退休")
    assert user.is_active is False
    # and the holdings stay open, each with a cadre_left row, and are returned as gaps
    assert sorted(a.pk for a in left_behind) == sorted(a.pk for a in holdings)
    for old in holdings:
        assert current(old.entity) == old
        assert ledger(old.entity) == [(AdjustmentKind.CADRE_LEFT, cadre.pk, None)]


def test_a_cadre_who_leaves_with_a_successor_hands_everything_over(office):
    # given a cadre with two direct holdings and a zone
    cadre = CadreFactory(level=Level.TOWNSHIP)
    direct = [AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C)) for _ in range(2)]
    zone = ZoneFactory()
    zoned = EntityFactory(zone=zone, grade=Grade.C)
    zone_assign(zone=zone, cadre=cadre, reason="分片", by=office)
    successor = CadreFactory(level=Level.TOWNSHIP)
    # when they leave naming a successor
    left_behind = cadre_leave(cadre=cadre, reason="调任", by=office, successor=successor)
    # then nothing is left behind: direct holdings and the whole zone move
    assert left_behind == []
    assert_handed_over(
        cadre=cadre, successor=successor, direct=direct, zone=zone, zoned=zoned, today=TODAY()
    )


def test_a_cadre_who_leaves_may_hand_each_holding_to_its_own_successor(office):
    # given a cadre with three holdings
    cadre = CadreFactory()
    first, second, third = (AssignmentFactory(cadre=cadre) for _ in range(3))
    a, b = CadreFactory(), CadreFactory()
    # when they leave with successors named for two of them
    left_behind = cadre_leave(
        cadre=cadre,
        reason="调任",
        by=office,
        successors={first.entity_id: a, second.entity_id: b},
    )
    # then those two move to their own successor and the third is left behind
    assert current(first.entity).cadre == a
    assert current(second.entity).cadre == b
    assert left_behind == [third]
    assert current(third.entity) == third


def test_a_cadre_who_leaves_may_hand_over_upwards_with_an_escalation_reason(office):
    # given a village cadre with a grade D holding, and a township cadre to take over
    old = AssignmentFactory()
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    # when the village cadre leaves naming the township cadre, without an escalation reason
    with nothing_written(), refused("escalation_reason_required"):
        cadre_leave(cadre=old.cadre, reason="调任", by=office, successor=township_cadre)
    # and with one
    cadre_leave(
        cadre=old.cadre,
        reason="调任",
        by=office,
        successor=township_cadre,
        escalation_reason="村级干部空缺,由乡镇干部暂代",
    )
    # then the township cadre holds it as an escalation
    holding = current(old.entity)
    assert (holding.cadre, holding.escalated) == (township_cadre, True)


def test_a_successor_who_does_not_fit_stops_the_whole_leave(office):
    # given a cadre with a grade C holding and a village cadre as the named successor
    old = AssignmentFactory(entity=EntityFactory(grade=Grade.C))
    # when the cadre leaves naming them
    with nothing_written(), refused("level_too_low"):
        cadre_leave(
            cadre=old.cadre, reason="调任", by=office, successor=CadreFactory(level=Level.VILLAGE)
        )
    # then the cadre is still in post
    old.cadre.refresh_from_db()
    assert old.cadre.status == CadreStatus.ACTIVE


def test_a_cadre_cannot_leave_twice(office):
    cadre = CadreFactory(status=CadreStatus.LEFT, left_on=TODAY())
    with nothing_written(), refused("already_left"):
        cadre_leave(cadre=cadre, reason="退休", by=office)


def test_a_cadre_leave_needs_a_reason(office):
    cadre = CadreFactory()
    with refused("reason_required"):
        cadre_leave(cadre=cadre, reason="", by=office)
    cadre.refresh_from_db()
    assert cadre.status == CadreStatus.ACTIVE


def test_the_holdings_of_a_cadre_who_left_can_be_reassigned_later(office):
    # given a cadre who left with two holdings left behind
    cadre = CadreFactory()
    first, second = AssignmentFactory(cadre=cadre), AssignmentFactory(cadre=cadre)
    cadre_leave(cadre=cadre, reason="退休", by=office)
    successor = CadreFactory()
    # when the office later hands one of them over
    left_behind = cadre_holdings_reassign(
        cadre=cadre, plan={first.entity_id: successor}, reason="补充包保干部", by=office
    )
    # then that one moves and the other is still left behind
    assert current(first.entity).cadre == successor
    assert ledger(first.entity)[-1] == (AdjustmentKind.TRANSFER, cadre.pk, successor.pk)
    assert left_behind == [second]


# --- 协保员 and 联络员 -----------------------------------------------------------------------


@pytest.mark.parametrize("division", [city, county], ids=["city", "county"])
def test_city_and_county_cadres_need_an_assistant(division):
    # when a city or county cadre is registered without an assistant (by the admin: a city
    # cadre is above the county office)
    with refused("assistant_required"):
        cadre_create(by=admin_user(), name="张三", division=division(), phone="13900000001")
    # then nobody is registered
    assert not Cadre.objects.exists()


@pytest.mark.parametrize("n", [1, 2])
def test_a_county_cadre_may_have_one_or_two_assistants(office, n):
    # when a county cadre is registered with one or two assistants and a liaison
    cadre = cadre_create(
        by=office,
        name="张三",
        division=county(),
        phone="13900000001",
        assistants=[aide_data() for _ in range(n)],
        liaison=aide_data(),
    )
    # then the aides are on record with their kinds
    kinds = sorted(cadre.aides.values_list("kind", flat=True))
    assert kinds == [AideKind.ASSISTANT] * n + [AideKind.LIAISON]


def test_a_cadre_may_not_have_three_assistants(office):
    with refused("too_many_assistants"):
        cadre_create(
            by=office,
            name="张三",
            division=county(),
            phone="13900000001",
            assistants=[aide_data() for _ in range(3)],
        )
    assert not Cadre.objects.exists()
    assert not CadreAide.objects.exists()


@pytest.mark.parametrize("division", [township, village], ids=["township", "village"])
def test_township_and_village_cadres_need_no_assistant(office, division):
    cadre = cadre_create(by=office, name="李四", division=division(), phone="13900000002")
    assert cadre.pk and not cadre.aides.exists()


def test_a_cadre_is_registered_with_a_valid_mobile_only(office):
    with pytest.raises(ValidationError) as exc_info:
        cadre_create(by=office, name="李四", division=village(), phone="0856-5221234")
    assert [e.code for e in exc_info.value.error_dict["phone"]] == ["mobile"]


def test_a_cadre_has_at_most_one_liaison(office):
    # given a cadre with a liaison
    cadre = CadreFactory()
    aide_add(cadre=cadre, kind=AideKind.LIAISON, by=office, **aide_data())
    # when a second liaison is added
    with refused("too_many_liaisons"):
        aide_add(cadre=cadre, kind=AideKind.LIAISON, by=office, **aide_data())
    # then only one is on record
    assert cadre.aides.filter(kind=AideKind.LIAISON).count() == 1


def test_a_third_assistant_is_refused(office):
    cadre = CadreFactory(level=Level.COUNTY)
    CadreAideFactory(cadre=cadre)
    aide_add(cadre=cadre, kind=AideKind.ASSISTANT, by=office, **aide_data())
    with refused("too_many_assistants"):
        aide_add(cadre=cadre, kind=AideKind.ASSISTANT, by=office, **aide_data())
    assert cadre.aides.count() == 2


def test_the_last_assistant_of_a_county_cadre_cannot_be_removed(office):
    # given a county cadre with one assistant
    aide = CadreAideFactory()
    # when the office removes that assistant
    with refused("assistant_required"):
        aide_remove(aide=aide, by=office)
    # then the assistant is still active
    aide.refresh_from_db()
    assert aide.is_active


def test_removing_an_aide_keeps_the_record_and_disables_the_login(office):
    # given a county cadre with two assistants, one of whom has a login
    aide = CadreAideFactory()
    CadreAideFactory(cadre=aide.cadre)
    user = aide_user(aide)
    # when that assistant is removed
    aide_remove(aide=aide, by=office)
    # then the record stays, inactive, and the login is off
    aide.refresh_from_db()
    user.refresh_from_db()
    assert (aide.is_active, user.is_active) == (False, False)


def test_a_township_cadre_may_lose_their_only_assistant(office):
    aide = CadreAideFactory(cadre=CadreFactory(level=Level.TOWNSHIP))
    aide_remove(aide=aide, by=office)
    aide.refresh_from_db()
    assert aide.is_active is False


def test_a_removed_aide_frees_the_place_for_a_new_one(office):
    # given a county cadre with two assistants
    aide = CadreAideFactory()
    CadreAideFactory(cadre=aide.cadre)
    # when one is removed
    aide_remove(aide=aide, by=office)
    # then another may be added
    aide_add(cadre=aide.cadre, kind=AideKind.ASSISTANT, by=office, **aide_data())
    assert aide.cadre.aides.filter(is_active=True).count() == 2


# --- scope: who may write where --------------------------------------------------------------


@pytest.fixture
def foreign_office():
    """The 万山区 office, a neighbour of 碧江区 where the factories put everything by default."""
    return office_user(wanshan())


WRITES = {
    "assignment_create": lambda by: assignment_create(
        entity=EntityFactory(), cadre=CadreFactory(), by=by
    ),
    "assignment_transfer": lambda by: assignment_transfer(
        assignment=AssignmentFactory(), to_cadre=CadreFactory(), reason="调", by=by
    ),
    "assignments_transfer_bulk": lambda by: assignments_transfer_bulk(
        assignments=[AssignmentFactory(), AssignmentFactory()],
        to_cadre=CadreFactory(),
        reason="调",
        by=by,
    ),
    "assignment_escalate": lambda by: assignment_escalate(
        assignment=AssignmentFactory(),
        to_cadre=CadreFactory(level=Level.TOWNSHIP),
        reason="提级",
        by=by,
    ),
    "assignment_end": lambda by: assignment_end(assignment=AssignmentFactory(), reason="止", by=by),
    "zone_assign": lambda by: zone_assign(
        zone=ZoneFactory(), cadre=CadreFactory(level=Level.TOWNSHIP), reason="分", by=by
    ),
    "cadre_create": lambda by: cadre_create(
        by=by, name="王五", division=village(), phone=new_mobile()
    ),
    "cadre_leave": lambda by: cadre_leave(cadre=CadreFactory(), reason="退休", by=by),
    "aide_add": lambda by: aide_add(
        cadre=CadreFactory(), kind=AideKind.LIAISON, by=by, **aide_data()
    ),
    "aide_remove": lambda by: aide_remove(aide=CadreAideFactory(cadre=CadreFactory()), by=by),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_office_of_another_county_may_not_write(foreign_office, write):
    # when the 万山区 office changes anything in 碧江区
    # then it is refused
    with pytest.raises(PermissionDenied):
        write(foreign_office)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_cadre_may_not_write(write):
    # given a cadre's own login (a read-only role), in the area of every change below
    user = cadre_user(CadreFactory(level=Level.CITY))
    # then every write is refused
    with pytest.raises(PermissionDenied):
        write(user)


def test_an_assistant_and_the_province_office_may_not_write():
    for user in (aide_user(CadreAideFactory()), office_user(province())):
        with pytest.raises(PermissionDenied):
            assignment_create(entity=EntityFactory(), cadre=CadreFactory(), by=user)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_system_admin_and_the_city_office_may_write(write):
    # given the system admin and the city office, above every county
    for user in (admin_user(), office_user(city())):
        # when they make the change, then it is allowed
        write(user)


def test_a_refused_foreign_write_leaves_nothing_behind(foreign_office):
    # given a 碧江区 holding
    old = AssignmentFactory()
    # when the 万山区 office tries to transfer it
    with nothing_written(), pytest.raises(PermissionDenied):
        assignment_transfer(assignment=old, to_cadre=CadreFactory(), reason="调", by=foreign_office)
    # then it is unchanged


def test_an_office_may_not_register_a_cadre_in_another_county(office):
    with pytest.raises(PermissionDenied):
        cadre_create(by=office, name="赵六", division=wanshan_village(), phone="13900000004")
    assert not Cadre.objects.exists()


def test_the_admin_may_assign_in_any_county():
    # given a business and a cadre in 万山区
    entity = EntityFactory(division=wanshan_village())
    cadre = CadreFactory(division=wanshan_village())
    # when the system admin assigns it
    assignment_create(entity=entity, cadre=cadre, by=admin_user())
    # then it is held
    assert current(entity).cadre == cadre


def test_a_township_office_may_not_write_in_another_township():
    # given the office of another street of the same county
    other = office_user(township(code="520602002000", name="川硐街道"))
    # then it may not assign a business of 环北街道
    with pytest.raises(PermissionDenied):
        assignment_create(entity=EntityFactory(), cadre=CadreFactory(), by=other)


# --- the ledger of one business ------------------------------------------------------------


def test_each_kind_of_change_writes_its_own_ledger_row(office):
    # given a grade D business and the cadres who will hold it
    entity = EntityFactory()
    village_cadre, other_village_cadre = CadreFactory(), CadreFactory()
    township_cadre, zone_cadre = (
        CadreFactory(level=Level.TOWNSHIP),
        CadreFactory(level=Level.TOWNSHIP),
    )
    zone = ZoneFactory()
    za = zone_assign(zone=zone, cadre=zone_cadre, reason="美食街", by=office)
    # when it is assigned, escalated, transferred, regraded, joins a held zone, the zone holding
    # ends and the business closes
    first = assignment_create(entity=entity, cadre=village_cadre, by=office)
    second = assignment_escalate(
        assignment=first, to_cadre=township_cadre, reason="投诉", by=office
    )
    assignment_transfer(assignment=second, to_cadre=other_village_cadre, reason="回归", by=office)
    entity_regrade(entity=entity, new_grade=Grade.C, reason="规模扩大", by=office)
    entity_update(entity=entity, zone=zone, by=office)
    zone_end(zone_assignment=za, reason="片区撤销", by=office)
    entity_close(entity=entity, reason="注销", by=office)
    # then its ledger lists each change, in order, from whom to whom
    assert ledger(entity) == [
        (AdjustmentKind.ASSIGN, None, village_cadre.pk),
        (AdjustmentKind.ESCALATE, village_cadre.pk, township_cadre.pk),
        (AdjustmentKind.TRANSFER, township_cadre.pk, other_village_cadre.pk),
        (AdjustmentKind.REGRADE, other_village_cadre.pk, other_village_cadre.pk),
        (AdjustmentKind.ZONE_ASSIGN, other_village_cadre.pk, zone_cadre.pk),
        (AdjustmentKind.ZONE_END, zone_cadre.pk, None),
        (AdjustmentKind.ENTITY_CLOSED, None, None),
    ]
    # and the business ends up closed and unheld
    assert current(entity) is None


# --- inputs the database would refuse -------------------------------------------------------


def test_a_reason_longer_than_the_ledger_column_is_refused(office):
    # given a holding
    old = AssignmentFactory()
    # when the office transfers it with a reason longer than the ledger keeps (255)
    with nothing_written(), refused("reason_too_long"):
        assignment_transfer(assignment=old, to_cadre=CadreFactory(), reason="调" * 256, by=office)
    # then it is refused as a form error, not left to the database; 255 characters are fine
    assignment_transfer(assignment=old, to_cadre=CadreFactory(), reason="调" * 255, by=office)
    assert Adjustment.objects.get(entity=old.entity).reason == "调" * 255


def test_an_escalation_reason_longer_than_its_column_is_refused(office):
    entity = EntityFactory()
    with nothing_written(), refused("reason_too_long"):
        assignment_create(
            entity=entity,
            cadre=CadreFactory(level=Level.TOWNSHIP),
            by=office,
            escalation_reason="险" * 256,
        )


def test_a_leave_reason_longer_than_its_column_is_refused(office):
    cadre = CadreFactory()
    with refused("reason_too_long"):
        cadre_leave(cadre=cadre, reason="退" * 256, by=office)
    cadre.refresh_from_db()
    assert cadre.status == CadreStatus.ACTIVE


def test_a_race_for_the_same_business_is_refused_cleanly(office, monkeypatch):
    # given a held business, and a second request that checked before the first one committed
    held = AssignmentFactory()
    monkeypatch.setattr("cadres.services.assignments.current_assignment", lambda entity: None)
    # when the second request writes its holding, the partial unique index refuses it
    with refused("already_held"):
        assignment_create(entity=held.entity, cadre=CadreFactory(), by=office)
    # then the error is a form error and the transaction is still usable (PostgreSQL aborts a
    # transaction on an IntegrityError unless it happened inside its own savepoint)
    assert list(Assignment.objects.filter(entity=held.entity)) == [held]
    assert not Adjustment.objects.exists()


def test_a_cadre_phone_is_stored_as_digits_and_stays_unique(office):
    # given a cadre registered with a number typed with spaces
    cadre = cadre_create(by=office, name="李四", division=village(), phone="139 0000 0001")
    # then it is stored as the bare number
    assert cadre.phone == "13900000001"
    # and the same number typed differently is refused as a duplicate
    with pytest.raises(ValidationError) as exc_info:
        cadre_create(by=office, name="李五", division=village(), phone="13900000001 ")
    assert [e.code for e in exc_info.value.error_dict["phone"]] == ["unique"]


def test_an_aide_phone_is_stored_as_digits(office):
    cadre = CadreFactory()
    aide = aide_add(
        cadre=cadre, kind=AideKind.LIAISON, by=office, name="王", phone="(0856) 5221234"
    )
    assert aide.phone == "08565221234"


# --- cadre details --------------------------------------------------------------------------


def test_a_cadre_who_holds_businesses_cannot_move_to_another_area(office):
    # given a village cadre who holds a business
    holding = AssignmentFactory()
    # when the office moves them to another community
    with refused("holds_entities"):
        cadre_update(
            cadre=holding.cadre, division=village(code="520602001002", name="西门社区"), by=office
        )
    # then they stay where they were
    holding.cadre.refresh_from_db()
    assert holding.cadre.division == village()


def test_a_cadre_moved_up_to_county_level_needs_an_assistant(office):
    cadre = CadreFactory(level=Level.TOWNSHIP)
    with refused("assistant_required"):
        cadre_update(cadre=cadre, division=county(), by=office)


def test_a_cadre_without_holdings_may_move_and_change_details(office):
    cadre = CadreFactory()
    other = village(code="520602001002", name="西门社区")
    cadre_update(cadre=cadre, division=other, post="村支书", by=office)
    cadre.refresh_from_db()
    assert (cadre.division, cadre.post) == (other, "村支书")


def test_a_cadre_update_refuses_the_status_fields(office):
    with pytest.raises(TypeError):
        cadre_update(cadre=CadreFactory(), status=CadreStatus.LEFT, by=office)
