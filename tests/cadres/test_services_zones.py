"""The write services for zone holdings (分片包保)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus, ZoneAssignment
from cadres.services import (
    assignment_create,
    assignment_end,
    assignment_transfer,
    zone_assign,
    zone_end,
    zone_transfer,
)
from entities.models import EntityStatus, Grade
from entities.services import entity_update
from tests.cadres.services_support import TODAY, nothing_written
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    wanshan_township,
)
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db


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
