"""The write services: who may write where, the ledger of one business, inputs the database would refuse, cadre details."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, AideKind, Assignment, Cadre, CadreStatus
from cadres.services import (
    aide_add,
    aide_remove,
    assignment_create,
    assignment_end,
    assignment_escalate,
    assignment_transfer,
    assignments_transfer_bulk,
    cadre_create,
    cadre_leave,
    cadre_update,
    zone_assign,
    zone_end,
)
from entities.models import Grade
from entities.services import entity_close, entity_regrade, entity_update
from tests.cadres.services_support import nothing_written
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
    wanshan_village,
)
from tests.helpers import current, ledger, refused

pytestmark = pytest.mark.django_db


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
