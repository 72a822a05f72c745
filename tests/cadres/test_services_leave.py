"""The write services for a cadre who leaves (离岗), and for 协保员 and 联络员."""

import pytest
from django.core.exceptions import ValidationError

from baobao.models import Level
from cadres.models import AdjustmentKind, AideKind, Cadre, CadreAide, CadreStatus
from cadres.services import (
    aide_add,
    aide_remove,
    cadre_create,
    cadre_holdings_reassign,
    cadre_leave,
    zone_assign,
)
from entities.models import Grade
from tests.cadres.services_support import TODAY, nothing_written
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
    township,
    village,
)
from tests.helpers import assert_handed_over, current, ledger, refused

pytestmark = pytest.mark.django_db


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
