"""The write services for food businesses: registration and grade history, regrade (分级调整), status."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.services import assignment_create
from entities.models import BusinessType, Entity, EntityStatus, Grade, GradeChange
from entities.services import entity_change_status, entity_close, entity_regrade
from tests.entities.services_support import TODAY, _create
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    township,
    valid_uscc,
)
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db


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
