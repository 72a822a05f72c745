"""The write services for food businesses and zones: moving a business, zone membership, zones, scope."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from baobao.models import Level
from cadres.models import AdjustmentKind
from cadres.services import cadre_leave, zone_assign
from entities.models import Entity, EntityStatus, Grade, GradeChange, Zone
from entities.services import (
    entity_change_status,
    entity_close,
    entity_regrade,
    entity_update,
    zone_create,
    zone_update,
)
from tests.entities.services_support import TODAY, _create
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    cadre_user,
    office_user,
    township,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db


# --- moving a business ----------------------------------------------------------------------


def test_moving_a_business_outside_its_holders_area_is_refused(office):
    # given a business held by the cadre of 金滩社区
    holding = AssignmentFactory()
    other_village = village(code="520602001002", name="西门社区")
    # when the office moves it to another community of the street
    with pytest.raises(ValidationError) as exc_info:
        entity_update(entity=holding.entity, division=other_village, by=office)
    # then it is refused on the division field, and the business stays where it was
    assert set(exc_info.value.error_dict) == {"division"}
    holding.entity.refresh_from_db()
    assert holding.entity.division == village()


def test_moving_a_business_within_its_holders_area_is_allowed(office):
    # given a grade C business held by the street's cadre
    holding = AssignmentFactory(entity=EntityFactory(grade=Grade.C))
    other_village = village(code="520602001002", name="西门社区")
    # when it moves to another community of that street
    entity_update(entity=holding.entity, division=other_village, by=office)
    # then it moved and keeps its holder
    holding.entity.refresh_from_db()
    assert holding.entity.division == other_village
    assert current(holding.entity) == holding


def test_an_office_may_not_move_a_business_into_another_county(office):
    entity = EntityFactory()
    with pytest.raises(PermissionDenied):
        entity_update(entity=entity, division=wanshan_village(), by=office)


def test_update_refuses_grade_and_status(office):
    entity = EntityFactory()
    with pytest.raises(TypeError):
        entity_update(entity=entity, grade=Grade.A, by=office)
    with pytest.raises(TypeError):
        entity_update(entity=entity, status=EntityStatus.CLOSED, by=office)


def test_update_validates_what_it_saves(office):
    entity = EntityFactory()
    with pytest.raises(ValidationError) as exc_info:
        entity_update(entity=entity, contact_phone="12345", by=office)
    assert [e.code for e in exc_info.value.error_dict["contact_phone"]] == ["phone"]


# --- zones and businesses -------------------------------------------------------------------


@pytest.fixture
def held_zone(office):
    """A restaurant street held by a township cadre."""
    zone = ZoneFactory()
    za = zone_assign(zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office)
    return za


def test_a_business_registered_in_a_held_zone_is_held_by_the_zones_cadre(office, held_zone):
    # when a business is registered in a held zone
    entity = _create(office, zone=held_zone.zone)
    # then the zone's cadre holds it through the zone, as the ledger shows
    holding = current(entity)
    assert (holding.cadre, holding.via_zone) == (held_zone.cadre, held_zone)
    assert ledger(entity) == [(AdjustmentKind.ZONE_ASSIGN, None, held_zone.cadre_id)]


def test_a_business_too_high_for_the_zones_cadre_is_not_registered_in_the_zone(office, held_zone):
    # when a grade B business is registered in a zone held by a township cadre
    with refused("level_too_low"):
        _create(office, zone=held_zone.zone, grade=Grade.B)
    # then it is refused as a whole
    assert not Entity.objects.exists()


def test_an_unheld_business_moved_into_a_held_zone_is_held_by_its_cadre(office, held_zone):
    entity = EntityFactory()
    entity_update(entity=entity, zone=held_zone.zone, by=office)
    assert (current(entity).cadre, current(entity).via_zone) == (held_zone.cadre, held_zone)


def test_a_held_business_moved_into_a_held_zone_passes_to_the_zones_cadre(office, held_zone):
    # given a business held directly by a village cadre
    holding = AssignmentFactory()
    # when it moves into the held zone
    entity_update(entity=holding.entity, zone=held_zone.zone, by=office)
    # then the zone's cadre takes it, from → to in the ledger
    holding.refresh_from_db()
    assert holding.end_date == TODAY()
    assert current(holding.entity).via_zone == held_zone
    assert ledger(holding.entity) == [
        (AdjustmentKind.ZONE_ASSIGN, holding.cadre_id, held_zone.cadre_id)
    ]


def test_moving_a_business_out_of_a_held_zone_ends_its_holding_through_it(office, held_zone):
    # given a business held through its zone
    entity = _create(office, zone=held_zone.zone)
    # when it leaves the zone
    entity_update(entity=entity, zone=None, by=office)
    # then it is unheld, and the ledger says the zone holding ended
    assert current(entity) is None
    assert ledger(entity)[-1] == (AdjustmentKind.ZONE_END, held_zone.cadre_id, None)


def test_moving_a_business_between_held_zones_passes_it_to_the_new_zones_cadre(office, held_zone):
    # given a business held through one zone, and a second held zone
    entity = _create(office, zone=held_zone.zone)
    other = ZoneFactory()
    other_za = zone_assign(
        zone=other, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=office
    )
    # when it moves to the second zone
    entity_update(entity=entity, zone=other, by=office)
    # then the first zone holding ends and the second zone's cadre holds it
    assert current(entity).via_zone == other_za
    assert [k for k, _, _ in ledger(entity)] == [
        AdjustmentKind.ZONE_ASSIGN,
        AdjustmentKind.ZONE_END,
        AdjustmentKind.ZONE_ASSIGN,
    ]


def test_a_business_reopened_in_a_held_zone_is_held_again(office, held_zone):
    # given a closed business of a held zone
    entity = _create(office, zone=held_zone.zone)
    entity_close(entity=entity, reason="停业", by=office)
    assert current(entity) is None
    # when it reopens
    entity_change_status(entity=entity, status=EntityStatus.ACTIVE, reason="复业", by=office)
    # then the zone's cadre holds it again
    assert current(entity).via_zone == held_zone


def test_a_business_in_a_zone_whose_cadre_left_is_refused(office, held_zone):
    # given a zone whose cadre left with nobody named
    cadre_leave(cadre=held_zone.cadre, reason="退休", by=office)
    # when a business is registered in the zone
    # then it is refused: the zone must be handed to a cadre in post first
    with refused("cadre_left"):
        _create(office, zone=held_zone.zone)


# --- zones ----------------------------------------------------------------------------------


def test_a_zone_is_created_and_renamed_in_the_office_area(office):
    zone = zone_create(by=office, name="锦江美食街", division=township(), kind="restaurant_street")
    zone_update(zone=zone, by=office, name="锦江夜市")
    zone.refresh_from_db()
    assert zone.name == "锦江夜市"


def test_a_zone_name_is_unique_in_its_division(office):
    zone_create(by=office, name="锦江美食街", division=township(), kind="restaurant_street")
    with pytest.raises(ValidationError) as exc_info:
        zone_create(by=office, name="锦江美食街", division=township(), kind="restaurant_street")
    assert [e.code for e in exc_info.value.error_dict["__all__"]] == ["unique_together"]
    assert Zone.objects.count() == 1


def test_a_zone_keeps_its_area(office):
    with pytest.raises(TypeError):
        zone_update(zone=ZoneFactory(), by=office, division=village())


# --- scope ----------------------------------------------------------------------------------


WRITES = {
    "entity_create": lambda by: _create(by),
    "entity_update": lambda by: entity_update(entity=EntityFactory(), name="新名", by=by),
    "entity_regrade": lambda by: entity_regrade(
        entity=EntityFactory(), new_grade=Grade.C, reason="复核", by=by
    ),
    "entity_close": lambda by: entity_close(entity=EntityFactory(), reason="停业", by=by),
    "entity_change_status": lambda by: entity_change_status(
        entity=EntityFactory(), status=EntityStatus.SUSPENDED, reason="整顿", by=by
    ),
    "zone_create": lambda by: zone_create(by=by, name="新片区", division=township(), kind="other"),
    "zone_update": lambda by: zone_update(zone=ZoneFactory(), name="改名", by=by),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_office_of_another_county_may_not_write(write):
    # given the 万山区 office
    foreign = office_user(wanshan())
    # when it changes a 碧江区 business or zone, then it is refused
    with pytest.raises(PermissionDenied):
        write(foreign)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_cadre_may_not_write(write):
    user = cadre_user(CadreFactory(level=Level.CITY))
    with pytest.raises(PermissionDenied):
        write(user)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_system_admin_may_write(write):
    write(admin_user())


def test_a_refused_foreign_regrade_changes_nothing():
    # given a grade D business
    entity = EntityFactory()
    # when the 万山区 office regrades it
    with pytest.raises(PermissionDenied):
        entity_regrade(entity=entity, new_grade=Grade.C, reason="复核", by=office_user(wanshan()))
    # then the grade and its history are unchanged
    entity.refresh_from_db()
    assert entity.grade == Grade.D
    assert not GradeChange.objects.exists()


def test_an_office_may_register_a_business_in_its_own_county_only(office):
    with pytest.raises(PermissionDenied):
        _create(office, division=wanshan_village())
    assert not Entity.objects.exists()
    # the 万山区 office may
    entity = _create(office_user(wanshan()), division=wanshan_village())
    assert entity.division == wanshan_village()


def test_a_grading_reason_longer_than_its_column_is_refused(office):
    # when a business is registered with a grading reason longer than the history keeps (255)
    with refused("reason_too_long"):
        _create(office, grade_reason="因" * 256)
    # then nothing is registered
    assert not Entity.objects.exists()


def test_a_regrade_reason_longer_than_its_column_is_refused(office):
    entity = EntityFactory()
    with refused("reason_too_long"):
        entity_regrade(entity=entity, new_grade=Grade.C, reason="因" * 256, by=office)
    assert not GradeChange.objects.exists()


def test_a_duplicate_credit_code_is_refused_with_a_clear_message(office):
    # given a registered business
    first = _create(office)
    # when a second one is registered with the same code
    with override("zh-hans"), pytest.raises(ValidationError) as exc_info:
        _create(office, uscc=first.uscc)
    # then it is refused by name, in Chinese
    assert "统一社会信用代码" in str(exc_info.value)
    assert Entity.objects.filter(uscc=first.uscc).count() == 1


def test_a_closed_business_cannot_be_regraded(office):
    entity = _create(office)
    entity_close(entity=entity, reason="注销", by=office)
    with pytest.raises(ValidationError) as exc_info:
        entity_regrade(entity=entity, new_grade="B", reason="升级", by=office)
    assert exc_info.value.code == "entity_closed"


def test_an_unknown_grade_is_a_validation_error(office):
    entity = _create(office)
    with pytest.raises(ValidationError) as exc_info:
        entity_regrade(entity=entity, new_grade="E", reason="?", by=office)
    assert exc_info.value.code == "invalid_grade"
