"""The write services for food businesses and zones: grade history, status, zone membership."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import override

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.services import assignment_create, cadre_leave, zone_assign
from entities.models import BusinessType, Entity, EntityStatus, Grade, GradeChange, Zone
from entities.services import (
    entity_change_status,
    entity_close,
    entity_create,
    entity_regrade,
    entity_update,
    zone_create,
    zone_update,
)
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
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def office():
    return office_user(county())


def _create(by, **fields) -> Entity:
    data = {
        "name": "铜仁市碧江区好味餐馆",
        "business_type": BusinessType.CATERING,
        "grade": Grade.D,
        "division": village(),
        "uscc": valid_uscc(777001),
    } | fields
    return entity_create(by=by, **data)


# --- registration and grade history ---------------------------------------------------------


def test_registering_a_business_records_its_first_grading(office):
    # when the office registers a grade C business with the reason for its grade
    entity = _create(office, grade=Grade.C, grade_reason="年营业额中等")
    # then one grade change is on record: none → C, today, by the office user
    change = GradeChange.objects.get(entity=entity)
    assert (
        change.old_grade,
        change.new_grade,
        change.reason,
        change.effective_date,
        change.changed_by,
    ) == ("", Grade.C, "年营业额中等", TODAY(), office)
    # and the business is unheld: nothing in the holding ledger yet
    assert current(entity) is None
    assert ledger(entity) == []


def test_a_first_grading_without_reason_says_initial_grading_in_the_site_language(office):
    # given a clerk working in English, when they register a business without a grading reason
    with override("en"):
        entity = _create(office)
    # then the ledger keeps the default reason in the office's language, not the clerk's
    assert GradeChange.objects.get(entity=entity).reason == "初次定级"


def test_registering_normalises_the_credit_code(office):
    entity = _create(office, uscc=valid_uscc(777002).lower())
    entity.refresh_from_db()
    assert entity.uscc == valid_uscc(777002)


def test_a_business_with_a_bad_credit_code_is_not_registered(office):
    # when the office registers a business whose code has a wrong check digit
    with pytest.raises(ValidationError) as exc_info:
        _create(office, uscc="91350100M000100Y44")
    # then it is refused on that field and nothing is written
    assert [e.code for e in exc_info.value.error_dict["uscc"]] == ["uscc_check"]
    assert not Entity.objects.exists()
    assert not GradeChange.objects.exists()


def test_a_stall_is_registered_without_a_credit_code(office):
    entity = _create(office, uscc="", business_type=BusinessType.STALL)
    assert entity.pk and entity.uscc == ""


def test_a_restaurant_without_a_credit_code_is_not_registered(office):
    with pytest.raises(ValidationError) as exc_info:
        _create(office, uscc="")
    assert set(exc_info.value.error_dict) == {"uscc"}
    assert not Entity.objects.exists()


def test_registering_refuses_fields_that_have_their_own_service(office):
    with pytest.raises(TypeError):
        _create(office, status=EntityStatus.CLOSED)


def test_a_business_cannot_be_put_in_a_zone_of_another_area(office):
    # given a zone in another street of the county
    zone = ZoneFactory(division=township(code="520602002000", name="川硐街道"))
    # when a business of 金滩社区 is registered in it
    with pytest.raises(ValidationError) as exc_info:
        _create(office, zone=zone)
    # then it is refused on the zone field
    assert set(exc_info.value.error_dict) == {"zone"}
    assert not Entity.objects.exists()


# --- regrade (分级调整) ---------------------------------------------------------------------


def test_regrading_a_held_business_writes_grade_history_and_ledger(office):
    # given a grade D business held by a village cadre
    holding = AssignmentFactory()
    entity = holding.entity
    # when the office regrades it to C
    change = entity_regrade(entity=entity, new_grade=Grade.C, reason="扩大经营", by=office)
    # then the grade changes, the history records old → new with reason and who
    entity.refresh_from_db()
    assert entity.grade == Grade.C
    assert (change.old_grade, change.new_grade, change.reason, change.changed_by) == (
        Grade.D,
        Grade.C,
        "扩大经营",
        office,
    )
    # and the ledger has a regrade row on the holder
    adjustment = Adjustment.objects.get(entity=entity)
    assert (
        adjustment.kind,
        adjustment.from_cadre,
        adjustment.to_cadre,
        adjustment.old_grade,
        adjustment.new_grade,
        adjustment.reason,
    ) == (AdjustmentKind.REGRADE, holding.cadre, holding.cadre, "D", "C", "扩大经营")


def test_regrading_an_unheld_business_writes_grade_history_only(office):
    entity = EntityFactory()
    entity_regrade(entity=entity, new_grade=Grade.C, reason="扩大经营", by=office)
    assert GradeChange.objects.filter(entity=entity, old_grade="D", new_grade="C").exists()
    assert ledger(entity) == []


def test_regrading_down_keeps_the_holder_as_an_escalation(office):
    # given a grade C business held by a township cadre
    holding = AssignmentFactory(entity=EntityFactory(grade=Grade.C))
    # when it is regraded to D (a village level business)
    entity_regrade(entity=holding.entity, new_grade=Grade.D, reason="缩小规模", by=office)
    # then the township cadre keeps it, now as an escalation with a reason
    holding.refresh_from_db()
    assert (holding.end_date, holding.escalated) == (None, True)
    assert "缩小规模" in holding.escalation_reason


def test_regrading_up_leaves_the_holder_in_place_below_the_level(office):
    # given a grade D business held by a village cadre
    holding = AssignmentFactory()
    # when it is regraded to B (county level)
    entity_regrade(entity=holding.entity, new_grade=Grade.B, reason="升级为大型餐饮", by=office)
    # then the village cadre still holds it, not as an escalation: the coverage page flags it
    holding.refresh_from_db()
    assert (holding.end_date, holding.escalated, holding.escalation_reason) == (None, False, "")
    assert holding.cadre.level > holding.entity.required_level


def test_regrading_to_the_escalated_holders_level_ends_the_escalation(office):
    # given a grade D business held by a township cadre as an escalation
    entity = EntityFactory()
    assignment_create(
        entity=entity,
        cadre=CadreFactory(level=Level.TOWNSHIP),
        by=office,
        escalation_reason="风险高",
    )
    # when it is regraded to C, the township level
    entity_regrade(entity=entity, new_grade=Grade.C, reason="扩大经营", by=office)
    # then the holding is an ordinary one
    holding = current(entity)
    assert (holding.escalated, holding.escalation_reason) == (False, "")


def test_regrading_to_the_same_grade_is_refused(office):
    entity = EntityFactory(grade=Grade.C)
    with refused("same_grade"):
        entity_regrade(entity=entity, new_grade=Grade.C, reason="复核", by=office)
    assert not GradeChange.objects.filter(entity=entity).exists()


def test_regrading_needs_a_reason(office):
    entity = EntityFactory()
    with refused("reason_required"):
        entity_regrade(entity=entity, new_grade=Grade.C, reason=" ", by=office)
    entity.refresh_from_db()
    assert entity.grade == Grade.D


def test_regrading_cannot_take_effect_in_the_future(office):
    entity = EntityFactory()
    with refused("future_date"):
        entity_regrade(
            entity=entity,
            new_grade=Grade.C,
            reason="扩大经营",
            by=office,
            effective_date=TODAY() + datetime.timedelta(days=1),
        )


# --- status: suspend, resume, close ---------------------------------------------------------


def test_closing_a_held_business_ends_its_holding(office):
    # given a held business
    holding = AssignmentFactory()
    # when the office closes it (注销)
    entity_close(entity=holding.entity, reason="营业执照注销", by=office)
    # then it is closed, unheld, and the ledger says closed, from the holder
    holding.refresh_from_db()
    holding.entity.refresh_from_db()
    assert holding.entity.status == EntityStatus.CLOSED
    assert holding.end_date == TODAY()
    assert ledger(holding.entity) == [(AdjustmentKind.ENTITY_CLOSED, holding.cadre_id, None)]
    assert "营业执照注销" in Adjustment.objects.get(entity=holding.entity).reason


def test_closing_an_unheld_business_still_writes_a_ledger_row(office):
    # given a business nobody holds
    entity = EntityFactory()
    # when it closes
    entity_close(entity=entity, reason="停业", by=office)
    # then the closure is still in the ledger
    assert ledger(entity) == [(AdjustmentKind.ENTITY_CLOSED, None, None)]


def test_a_closed_business_cannot_be_closed_again(office):
    entity = EntityFactory(status=EntityStatus.CLOSED)
    with refused("same_status"):
        entity_close(entity=entity, reason="停业", by=office)
    assert ledger(entity) == []


def test_closing_needs_a_reason(office):
    holding = AssignmentFactory()
    with refused("reason_required"):
        entity_close(entity=holding.entity, reason="", by=office)
    assert current(holding.entity) == holding


def test_suspending_and_resuming_keeps_the_holder_and_writes_each_step(office):
    # given a held business
    holding = AssignmentFactory()
    entity = holding.entity
    # when it is suspended for rectification and later resumes
    entity_change_status(entity=entity, status=EntityStatus.SUSPENDED, reason="停业整顿", by=office)
    entity_change_status(entity=entity, status=EntityStatus.ACTIVE, reason="整改完成", by=office)
    # then the same holder kept it throughout, and each step is in the ledger
    assert current(entity) == holding
    assert ledger(entity) == [
        (AdjustmentKind.ENTITY_STATUS, holding.cadre_id, holding.cadre_id),
        (AdjustmentKind.ENTITY_STATUS, holding.cadre_id, holding.cadre_id),
    ]
    entity.refresh_from_db()
    assert entity.status == EntityStatus.ACTIVE


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
