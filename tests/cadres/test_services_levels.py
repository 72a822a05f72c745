"""The write services for holdings: level correspondence (层级对应包保) and one active holder per business."""

import datetime

import pytest

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus
from cadres.services import assignment_create
from entities.models import EntityStatus, Grade
from tests.cadres.services_support import TODAY, nothing_written
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, township, wanshan
from tests.helpers import current, refused

pytestmark = pytest.mark.django_db


# 层级对应包保, written out from DOMAIN.md rather than imported, so the tests check the code.
GRADE_LEVEL = {
    Grade.A: Level.CITY,
    Grade.B: Level.COUNTY,
    Grade.C: Level.TOWNSHIP,
    Grade.D: Level.VILLAGE,
}


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
