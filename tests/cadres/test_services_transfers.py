"""The write services for holdings: transfer, escalate, end, and bulk transfer."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus
from cadres.services import (
    assignment_end,
    assignment_escalate,
    assignment_transfer,
    assignments_transfer_bulk,
    zone_assign,
)
from entities.models import Grade
from tests.cadres.services_support import TODAY, nothing_written
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    county,
    office_user,
)
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db


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
