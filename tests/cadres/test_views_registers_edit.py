"""The cadre register pages: editing, aides, and a cadre who leaves."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baobao.models import Level
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    AideKind,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from cadres.services import zone_assign
from entities.models import Grade
from tests.cadres.views_registers_support import TODAY, cadre_post, url
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    new_mobile,
    township,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import assert_handed_over, current, ledger, success_messages

pytestmark = pytest.mark.django_db


# --- editing ------------------------------------------------------------------------------------


def test_the_edit_page_starts_the_chooser_at_the_cadres_area(client, clerk):
    cadre = CadreFactory(level=Level.TOWNSHIP)
    response = client.get(url("edit", cadre.pk))
    assert response.status_code == 302
    assert response["Location"] == url("edit", cadre.pk) + f"?division={township().pk}"
    page = client.get(response["Location"])
    assert page.context["form"]["name"].value() == cadre.name


def test_the_clerk_edits_a_cadre(client, clerk):
    cadre = CadreFactory(level=Level.VILLAGE, post="村支书")
    data = cadre_post(village(), name=cadre.name, phone=cadre.phone, post="村主任")
    response = client.post(url("edit", cadre.pk) + f"?division={village().pk}", data)
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.post == "村主任"
    assert success_messages(response)


def test_a_cadre_who_holds_businesses_cannot_move_area(client, clerk):
    # given a village cadre holding a business
    holding = AssignmentFactory()
    cadre = holding.cadre
    other_village = village(code="520602001002", name="另一社区")
    # when the clerk moves them to another village
    data = cadre_post(other_village, name=cadre.name, phone=cadre.phone)
    response = client.post(url("edit", cadre.pk), data)
    # then it is refused and the cadre stays
    assert response.status_code == 200
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="holds_entities")
    cadre.refresh_from_db()
    assert cadre.division == village()


def test_an_idle_cadre_moves_to_another_area(client, clerk):
    cadre = CadreFactory(level=Level.VILLAGE)
    other_village = village(code="520602001002", name="另一社区")
    data = cadre_post(other_village, name=cadre.name, phone=cadre.phone)
    assert client.post(url("edit", cadre.pk), data).status_code == 302
    cadre.refresh_from_db()
    assert cadre.division == other_village


# --- aides ---------------------------------------------------------------------------------------


def test_the_clerk_adds_a_liaison(client, clerk):
    cadre = CadreAideFactory().cadre
    response = client.post(
        url("aide-add", cadre.pk),
        {"kind": AideKind.LIAISON, "name": "新联络员", "phone": new_mobile()},
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", cadre.pk)
    assert cadre.aides.filter(kind=AideKind.LIAISON, name="新联络员", is_active=True).exists()


def test_a_third_assistant_is_refused(client, clerk):
    cadre = CadreAideFactory().cadre
    CadreAideFactory(cadre=cadre)
    response = client.post(
        url("aide-add", cadre.pk),
        {"kind": AideKind.ASSISTANT, "name": "第三个", "phone": new_mobile()},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="too_many_assistants")
    assert cadre.aides.count() == 2


def test_the_clerk_removes_an_assistant_but_not_the_last_one(client, clerk):
    # given a county cadre with two assistants
    first = CadreAideFactory()
    second = CadreAideFactory(cadre=first.cadre)
    # when the clerk removes one, it stops, kept on record
    response = client.post(url("aide-remove", first.pk), follow=True)
    assert response.redirect_chain == [(url("detail", first.cadre.pk), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert CadreAide.objects.get(pk=first.pk).is_active is False
    # and removing the last one is refused with a message, nothing changed
    refused = client.post(url("aide-remove", second.pk), follow=True)
    assert CadreAide.objects.get(pk=second.pk).is_active is True
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]


def test_removing_an_aide_needs_a_post(client, clerk):
    aide = CadreAideFactory()
    assert client.get(url("aide-remove", aide.pk)).status_code == 405
    assert CadreAide.objects.get(pk=aide.pk).is_active


# --- a cadre leaves ---------------------------------------------------------------------------


def _leaving_township_cadre(clerk):
    """A township cadre with two grade C businesses and a zone of one business."""
    cadre = CadreFactory(level=Level.TOWNSHIP, name="离岗干部")
    direct = [AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C)) for _ in range(2)]
    zone = ZoneFactory()
    zoned = EntityFactory(zone=zone, grade=Grade.D)
    zone_holding = zone_assign(zone=zone, cadre=cadre, reason="分片", by=clerk)
    return cadre, direct, zone, zoned, zone_holding


def test_the_leave_page_lists_direct_holdings_and_zones_with_fitting_successors(client, clerk):
    # given a township cadre with holdings, another township cadre, a village cadre, a cadre
    # who left and one of another county
    cadre, direct, zone, _zoned, _za = _leaving_township_cadre(clerk)
    peer = CadreFactory(level=Level.TOWNSHIP, name="同级")
    village_cadre = CadreFactory(level=Level.VILLAGE, name="村级")
    CadreFactory(level=Level.TOWNSHIP, status=CadreStatus.LEFT, left_on=TODAY(), name="已离")
    CadreFactory(division=wanshan(), name="外县")
    county_cadre = CadreFactory(level=Level.COUNTY, name="县级")
    # when the clerk opens the leave page
    response = client.get(url("leave", cadre.pk))
    form = response.context["form"]
    # then every holding is listed, and each select offers only who fits
    assert response.status_code == 200
    assert set(form.fields["successor"].cadres) == {peer.pk, county_cadre.pk}
    for assignment in direct:
        field = form.fields[f"entity_{assignment.entity_id}"]
        assert set(field.cadres) == {peer.pk, county_cadre.pk}
    zone_field = form.fields[f"zone_{_za.pk}"]
    assert set(zone_field.cadres) == {peer.pk, county_cadre.pk}
    assert village_cadre.pk not in zone_field.cadres
    assert zone.name in response.text


def test_a_cadre_leaves_and_hands_everything_to_one_successor(client, clerk):
    # given a leaving township cadre and a successor of the same level
    cadre, direct, zone, zoned, _zone_holding = _leaving_township_cadre(clerk)
    successor = CadreFactory(level=Level.TOWNSHIP)
    # when the clerk records the leaving with everything to the successor
    response = client.post(
        url("leave", cadre.pk),
        {"reason": "调任", "left_on": "", "mode": "all", "successor": successor.pk},
    )
    # then the cadre has left, everything moved, each with its ledger rows
    assert response.status_code == 302
    assert response["Location"] == url("detail", cadre.pk)
    cadre.refresh_from_db()
    assert (cadre.status, cadre.left_on, cadre.left_reason) == (CadreStatus.LEFT, TODAY(), "调任")
    assert_handed_over(
        cadre=cadre, successor=successor, direct=direct, zone=zone, zoned=zoned, today=TODAY()
    )
    assert success_messages(response)


def test_a_cadre_leaves_and_each_holding_gets_its_own_successor_or_none(client, clerk):
    # given a leaving township cadre and two possible successors
    cadre, (first, second), zone, zoned, zone_holding = _leaving_township_cadre(clerk)
    a, b = CadreFactory(level=Level.TOWNSHIP), CadreFactory(level=Level.TOWNSHIP)
    # when the clerk hands the first business to a, the zone to b, and leaves the second
    response = client.post(
        url("leave", cadre.pk),
        {
            "reason": "退休",
            "mode": "each",
            f"entity_{first.entity_id}": a.pk,
            f"entity_{second.entity_id}": "",
            f"zone_{zone_holding.pk}": b.pk,
        },
    )
    # then each moved as chosen, and the second stays with the cadre who left (a coverage gap)
    assert response.status_code == 302
    assert current(first.entity).cadre == a
    assert current(zoned).cadre == b
    assert ZoneAssignment.objects.get(zone=zone, end_date__isnull=True).cadre == b
    assert current(second.entity) == second
    assert ledger(second.entity) == [(AdjustmentKind.CADRE_LEFT, cadre.pk, None)]
    assert ledger(first.entity)[-1] == (AdjustmentKind.TRANSFER, cadre.pk, a.pk)


def test_a_cadre_leaves_and_nothing_is_handed_over(client, clerk):
    cadre, direct, _zone, zoned, zone_holding = _leaving_township_cadre(clerk)
    response = client.post(url("leave", cadre.pk), {"reason": "病休", "mode": "none"})
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.status == CadreStatus.LEFT
    for old in direct:
        assert current(old.entity) == old
        assert ledger(old.entity) == [(AdjustmentKind.CADRE_LEFT, cadre.pk, None)]
    assert current(zoned).cadre == cadre
    assert ZoneAssignment.objects.get(pk=zone_holding.pk).end_date is None
    assert Adjustment.objects.filter(kind=AdjustmentKind.CADRE_LEFT).count() == 3


def test_a_handover_upwards_needs_the_escalation_reason(client, clerk):
    # given a village cadre with a grade D business, and a township cadre to take it
    holding = AssignmentFactory()
    upper = CadreFactory(level=Level.TOWNSHIP)
    data = {"reason": "调任", "mode": "all", "successor": upper.pk}
    # when the clerk hands it up without a reason
    response = client.post(url("leave", holding.cadre.pk), data)
    # then it is refused and nothing changes
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(NON_FIELD_ERRORS, code="escalation_reason_required")
    assert Cadre.objects.get(pk=holding.cadre_id).status == CadreStatus.ACTIVE
    assert not Adjustment.objects.exists()
    # and with a reason it is an escalation
    data["escalation_reason"] = "村级空缺,乡镇暂代"
    assert client.post(url("leave", holding.cadre.pk), data).status_code == 302
    new = current(holding.entity)
    assert (new.cadre, new.escalated, new.escalation_reason) == (upper, True, "村级空缺,乡镇暂代")


@pytest.mark.parametrize("who", ["foreign", "too_low", "self"])
def test_a_forged_successor_is_refused_and_nothing_changes(client, clerk, who):
    # given a township cadre with a grade C business
    holding = AssignmentFactory(entity=EntityFactory(grade=Grade.C))
    forged = {
        "foreign": lambda: CadreFactory(division=wanshan_village()),
        "too_low": lambda: CadreFactory(level=Level.VILLAGE),
        "self": lambda: holding.cadre,
    }[who]()
    # when the POST names a cadre the page did not offer
    for data in (
        {"reason": "调任", "mode": "all", "successor": forged.pk},
        {"reason": "调任", "mode": "each", f"entity_{holding.entity_id}": forged.pk},
    ):
        response = client.post(url("leave", holding.cadre.pk), data)
        # then it is an invalid choice, and nothing is written
        assert response.status_code == 200
        assert response.context["form"].errors
    assert Cadre.objects.get(pk=holding.cadre_id).status == CadreStatus.ACTIVE
    assert not Adjustment.objects.exists()


def test_all_to_one_needs_a_successor(client, clerk):
    holding = AssignmentFactory()
    response = client.post(url("leave", holding.cadre.pk), {"reason": "调任", "mode": "all"})
    assert response.context["form"].has_error("successor")
    assert Cadre.objects.get(pk=holding.cadre_id).status == CadreStatus.ACTIVE


def test_leaving_needs_a_reason(client, clerk):
    cadre = CadreFactory()
    response = client.post(url("leave", cadre.pk), {"reason": " ", "mode": "none"})
    assert response.context["form"].has_error("reason")
    assert Cadre.objects.get(pk=cadre.pk).status == CadreStatus.ACTIVE


def test_an_idle_cadre_leaves_with_only_date_and_reason(client, clerk):
    cadre = CadreFactory()
    day = TODAY() - datetime.timedelta(days=3)
    response = client.post(url("leave", cadre.pk), {"reason": "退休", "left_on": day.isoformat()})
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert (cadre.status, cadre.left_on) == (CadreStatus.LEFT, day)


def test_a_cadre_who_left_cannot_leave_again(client, clerk):
    cadre = CadreFactory(status=CadreStatus.LEFT, left_on=TODAY())
    page = client.get(url("leave", cadre.pk))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = client.post(url("leave", cadre.pk), {"reason": "再离", "mode": "none"})
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="already_left")


def test_the_leave_page_runs_the_same_queries_for_3_holdings_as_for_30(client, clerk):
    cadre = CadreFactory()
    for _ in range(3):
        AssignmentFactory(cadre=cadre)
    CadreFactory()
    with CaptureQueriesContext(connection) as few:
        client.get(url("leave", cadre.pk))
    for _ in range(27):
        AssignmentFactory(cadre=cadre)
        CadreFactory()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("leave", cadre.pk))
    assert response.context["plan"].count == 30
    assert len(many.captured_queries) == len(few.captured_queries)
