"""Assignment work in the browser (/holdings/): transfer and end, bulk transfer, zones."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, ZoneAssignment
from cadres.services import zone_assign
from entities.models import Grade
from tests.cadres.views_holdings_support import (
    TODAY,
    bulk_url,
    messages_of,
    offered,
    snapshot,
    zone_assign_url,
)
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, ZoneFactory
from tests.helpers import current, ledger

pytestmark = pytest.mark.django_db


# --- transfer and end ---------------------------------------------------------------------------


def test_transfer_moves_the_holding(client, clerk):
    # given a holding and another village cadre
    old = AssignmentFactory()
    successor = CadreFactory(level=Level.VILLAGE)
    # when the clerk transfers it
    page = client.get(reverse("holdings:transfer", args=[old.pk]))
    assert old.cadre_id not in offered(page, "to_cadre")
    response = client.post(
        reverse("holdings:transfer", args=[old.pk]),
        {"to_cadre": successor.pk, "reason": "工作调整"},
    )
    # then the old holding ends today and the successor's begins, with a transfer row
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[old.entity_id])
    old.refresh_from_db()
    assert old.end_date == TODAY()
    assert current(old.entity).cadre == successor
    assert ledger(old.entity) == [(AdjustmentKind.TRANSFER, old.cadre_id, successor.pk)]
    assert messages_of(response)


def test_transfer_upwards_needs_the_escalation_reason(client, clerk):
    old = AssignmentFactory()
    upper = CadreFactory(level=Level.TOWNSHIP)
    path = reverse("holdings:transfer", args=[old.pk])
    refused = client.post(path, {"to_cadre": upper.pk, "reason": "调整"})
    assert refused.context["form"].has_error(NON_FIELD_ERRORS, code="escalation_reason_required")
    assert current(old.entity) == old
    client.post(path, {"to_cadre": upper.pk, "reason": "调整", "escalation_reason": "风险高"})
    assert current(old.entity).escalated
    assert ledger(old.entity) == [(AdjustmentKind.ESCALATE, old.cadre_id, upper.pk)]


def test_transfer_needs_a_reason(client, clerk):
    old = AssignmentFactory()
    response = client.post(
        reverse("holdings:transfer", args=[old.pk]), {"to_cadre": CadreFactory().pk}
    )
    assert response.context["form"].has_error("reason")
    assert current(old.entity) == old


def test_transfer_to_the_present_holder_is_not_offered(client, clerk):
    old = AssignmentFactory()
    response = client.post(
        reverse("holdings:transfer", args=[old.pk]), {"to_cadre": old.cadre_id, "reason": "x"}
    )
    assert response.context["form"].has_error("to_cadre", code="invalid_choice")
    assert not Adjustment.objects.exists()


def test_a_holding_through_a_zone_is_moved_with_its_zone(client, clerk):
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    zone_holding = zone_assign(
        zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=clerk
    )
    holding = current(entity)
    for name in ("holdings:transfer", "holdings:end"):
        page = client.get(reverse(name, args=[holding.pk]))
        assert page.context["form"] is None
        assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in page.text
    before = snapshot()
    client.post(reverse("holdings:end", args=[holding.pk]), {"reason": "单独解除"})
    assert snapshot() == before


def test_end_leaves_the_business_without_a_cadre(client, clerk):
    old = AssignmentFactory()
    response = client.post(reverse("holdings:end", args=[old.pk]), {"reason": "歇业"})
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[old.entity_id])
    assert current(old.entity) is None
    assert ledger(old.entity) == [(AdjustmentKind.END, old.cadre_id, None)]
    assert Adjustment.objects.get(entity=old.entity).reason == "歇业"


def test_end_needs_a_reason_and_a_date_not_before_the_start(client, clerk):
    old = AssignmentFactory()
    path = reverse("holdings:end", args=[old.pk])
    assert client.post(path, {"reason": ""}).context["form"].has_error("reason")
    early = (old.start_date - datetime.timedelta(days=1)).isoformat()
    response = client.post(path, {"reason": "歇业", "effective_date": early})
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="date_before_start")
    assert current(old.entity) == old
    assert not Adjustment.objects.exists()


# --- bulk transfer -------------------------------------------------------------------------------


def test_bulk_transfer_moves_the_chosen_holdings(client, clerk):
    # given a village cadre with three holdings and a successor
    cadre = CadreFactory()
    first, second, third = (AssignmentFactory(cadre=cadre) for _ in range(3))
    successor = CadreFactory()
    # when the clerk moves two of them
    response = client.post(
        bulk_url(cadre),
        {"holdings": [first.pk, second.pk], "to_cadre": successor.pk, "reason": "均衡工作量"},
    )
    # then those two move, each with a transfer row; the third stays
    assert response.status_code == 302
    assert response["Location"] == reverse("cadres:detail", args=[cadre.pk])
    for old in (first, second):
        assert current(old.entity).cadre == successor
        assert ledger(old.entity) == [(AdjustmentKind.TRANSFER, cadre.pk, successor.pk)]
    assert current(third.entity) == third
    assert messages_of(response)


def test_bulk_transfer_of_everything(client, clerk):
    cadre = CadreFactory()
    holdings = [AssignmentFactory(cadre=cadre) for _ in range(3)]
    successor = CadreFactory()
    response = client.post(
        bulk_url(cadre), {"everything": "on", "to_cadre": successor.pk, "reason": "换届"}
    )
    assert response.status_code == 302
    assert all(current(h.entity).cadre == successor for h in holdings)
    assert Adjustment.objects.filter(kind=AdjustmentKind.TRANSFER).count() == 3


def test_bulk_transfer_needs_a_choice(client, clerk):
    cadre = CadreFactory()
    AssignmentFactory(cadre=cadre)
    response = client.post(bulk_url(cadre), {"to_cadre": CadreFactory().pk, "reason": "换届"})
    assert response.context["form"].has_error("holdings")
    assert not Adjustment.objects.exists()


def test_bulk_transfer_refuses_a_holding_of_someone_else(client, clerk):
    # given a cadre's holding and another cadre's holding forged into the POST
    cadre = CadreFactory()
    mine = AssignmentFactory(cadre=cadre)
    not_mine = AssignmentFactory()
    response = client.post(
        bulk_url(cadre),
        {"holdings": [mine.pk, not_mine.pk], "to_cadre": CadreFactory().pk, "reason": "换届"},
    )
    assert response.context["form"].has_error("holdings", code="invalid_choice")
    assert not Adjustment.objects.exists()


def test_bulk_transfer_is_all_or_nothing_when_one_does_not_fit(client, clerk):
    # given a township cadre with a grade D and a grade C business, and a village successor
    cadre = CadreFactory(level=Level.TOWNSHIP)
    fits = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.D))
    too_high = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C))
    village_cadre = CadreFactory(level=Level.VILLAGE)
    before = snapshot()
    # when the clerk moves both to the village cadre
    response = client.post(
        bulk_url(cadre),
        {"holdings": [fits.pk, too_high.pk], "to_cadre": village_cadre.pk, "reason": "调整"},
    )
    # then it is refused, and nothing moves
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="level_too_low")
    assert snapshot() == before


def test_bulk_transfer_page_lists_direct_holdings_only(client, clerk):
    cadre = CadreFactory(level=Level.TOWNSHIP)
    direct = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C))
    zone = ZoneFactory()
    EntityFactory(zone=zone)
    zone_assign(zone=zone, cadre=cadre, reason="分片", by=clerk)
    response = client.get(bulk_url(cadre))
    choices = [value for value, _label in response.context["form"].fields["holdings"].choices]
    assert choices == [direct.pk]
    assert zone.name in response.text


# --- zones ---------------------------------------------------------------------------------------


def test_zone_assign_holds_every_business_in_it(client, clerk):
    # given a zone of two grade D businesses and a township cadre
    zone = ZoneFactory()
    entities = [EntityFactory(zone=zone) for _ in range(2)]
    cadre = CadreFactory(level=Level.TOWNSHIP)
    # when the clerk gives them the zone
    page = client.get(zone_assign_url(zone))
    assert cadre.pk in offered(page)
    response = client.post(zone_assign_url(zone), {"cadre": cadre.pk, "reason": "美食街分片"})
    # then the zone and each business in it are held by them, with zone rows
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:zone-detail", args=[zone.pk])
    zone_holding = ZoneAssignment.objects.get(zone=zone, end_date__isnull=True)
    assert zone_holding.cadre == cadre
    for entity in entities:
        assert current(entity).via_zone == zone_holding
        assert ledger(entity) == [(AdjustmentKind.ZONE_ASSIGN, None, cadre.pk)]
    assert messages_of(response)


def test_zone_picker_offers_only_cadres_over_the_zones_area_and_level(client, clerk):
    # given a zone in a township with a grade C business
    zone = ZoneFactory()
    EntityFactory(zone=zone, grade=Grade.C)
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    county_cadre = CadreFactory(level=Level.COUNTY)
    village_cadre = CadreFactory(level=Level.VILLAGE)
    # then the picker offers the township and county cadres, not the village one
    response = client.get(zone_assign_url(zone))
    assert offered(response) == {township_cadre.pk, county_cadre.pk}
    # and a forged village cadre is refused
    forged = client.post(zone_assign_url(zone), {"cadre": village_cadre.pk, "reason": "x"})
    assert forged.context["form"].has_error("cadre", code="invalid_choice")
    assert not ZoneAssignment.objects.exists()


def test_a_held_zone_has_no_assign_form(client, clerk):
    zone = ZoneFactory()
    zone_holding = zone_assign(
        zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=clerk
    )
    response = client.get(zone_assign_url(zone))
    assert response.context["form"] is None
    assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in response.text


def test_zone_transfer_moves_the_zone_and_its_businesses(client, clerk):
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    old_cadre = CadreFactory(level=Level.TOWNSHIP)
    old = zone_assign(zone=zone, cadre=old_cadre, reason="分片", by=clerk)
    successor = CadreFactory(level=Level.TOWNSHIP)
    path = reverse("holdings:zone-transfer", args=[old.pk])
    assert old_cadre.pk not in offered(client.get(path), "to_cadre")
    response = client.post(path, {"to_cadre": successor.pk, "reason": "工作调整"})
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:zone-detail", args=[zone.pk])
    old.refresh_from_db()
    assert old.end_date == TODAY()
    assert ZoneAssignment.objects.get(zone=zone, end_date__isnull=True).cadre == successor
    assert current(entity).cadre == successor
    assert ledger(entity)[-1] == (AdjustmentKind.ZONE_ASSIGN, old_cadre.pk, successor.pk)


def test_zone_end_leaves_its_businesses_without_a_cadre(client, clerk):
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    cadre = CadreFactory(level=Level.TOWNSHIP)
    zone_holding = zone_assign(zone=zone, cadre=cadre, reason="分片", by=clerk)
    path = reverse("holdings:zone-end", args=[zone_holding.pk])
    assert client.post(path, {"reason": ""}).context["form"].has_error("reason")
    response = client.post(path, {"reason": "片区撤销"})
    assert response.status_code == 302
    zone_holding.refresh_from_db()
    assert zone_holding.end_date == TODAY()
    assert current(entity) is None
    assert ledger(entity)[-1] == (AdjustmentKind.ZONE_END, cadre.pk, None)
    # and an ended zone holding has no pages any more
    assert client.get(path).status_code == 404
