"""Assignment work in the browser (/holdings/): assign, transfer, end, bulk transfer, zones."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus, ZoneAssignment
from cadres.services import zone_assign
from entities.models import EntityStatus, Grade
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    aide_user,
    cadre_user,
    city,
    county,
    office_user,
    province,
    township,
    wanshan_township,
    wanshan_village,
)
from tests.helpers import current, ledger

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def assign_url(entity) -> str:
    return f"{reverse('holdings:assign')}?entity={entity.pk}"


def bulk_url(cadre) -> str:
    return f"{reverse('holdings:bulk-transfer')}?cadre={cadre.pk}"


def zone_assign_url(zone) -> str:
    return f"{reverse('holdings:zone-assign')}?zone={zone.pk}"


def offered(response, field="cadre") -> set[int]:
    """The ids of the cadres the page's picker offers."""
    return set(response.context["form"].fields[field].cadres)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot():
    return (
        list(Assignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
        list(ZoneAssignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
        Adjustment.objects.count(),
    )


# --- roles and scope -----------------------------------------------------------------------


def _every_page():
    """One instance of each page, over a held business, an unheld one, a zone and its holder."""
    holding = AssignmentFactory()
    unheld = EntityFactory()
    zone = ZoneFactory()
    EntityFactory(zone=zone)
    zone_holding = ZoneAssignment.objects.create(
        zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), start_date=TODAY()
    )
    return holding, [
        assign_url(unheld),
        reverse("holdings:transfer", args=[holding.pk]),
        reverse("holdings:end", args=[holding.pk]),
        bulk_url(holding.cadre),
        zone_assign_url(ZoneFactory()),
        reverse("holdings:zone-transfer", args=[zone_holding.pk]),
        reverse("holdings:zone-end", args=[zone_holding.pk]),
    ]


def test_anonymous_is_sent_to_login(client):
    _holding, pages = _every_page()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login")), path


@pytest.mark.parametrize("role", ["province", "cadre", "assistant"])
def test_read_only_roles_get_403_on_every_action(client, role):
    # given a holding whose cadre has an assistant
    holding, pages = _every_page()
    aide = CadreAideFactory(cadre=CadreFactory(level=Level.COUNTY))
    user = {
        "province": lambda: office_user(province()),
        "cadre": lambda: cadre_user(holding.cadre),
        "assistant": lambda: aide_user(aide),
    }[role]()
    client.force_login(user)
    before = snapshot()
    # then every page and every post is refused, and nothing changes
    for path in pages:
        assert client.get(path).status_code == 403, path
        assert client.post(path, {"reason": "x"}).status_code == 403, path
    assert snapshot() == before


def test_the_writers_open_every_page(client):
    _holding, pages = _every_page()
    for user in (office_user(county()), office_user(city()), office_user(township())):
        client.force_login(user)
        for path in pages:
            assert client.get(path).status_code == 200, (user.role, path)


def test_another_countys_objects_are_404(client, clerk):
    # given a business, a holding, a cadre and a zone holding in 万山区
    foreign = AssignmentFactory(
        entity=EntityFactory(division=wanshan_village()),
        cadre=CadreFactory(division=wanshan_village()),
    )
    zone = ZoneFactory(division=wanshan_township())
    zone_holding = ZoneAssignment.objects.create(
        zone=zone, cadre=CadreFactory(division=wanshan_township()), start_date=TODAY()
    )
    before = snapshot()
    # then the 碧江区 clerk gets 404 for each, by GET and by POST
    for path in (
        assign_url(EntityFactory(division=wanshan_village())),
        reverse("holdings:transfer", args=[foreign.pk]),
        reverse("holdings:end", args=[foreign.pk]),
        bulk_url(foreign.cadre),
        zone_assign_url(zone),
        reverse("holdings:zone-transfer", args=[zone_holding.pk]),
        reverse("holdings:zone-end", args=[zone_holding.pk]),
        reverse("holdings:transfer", args=[10**9]),
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"reason": "越权"}).status_code == 404, path
    assert snapshot() == before


@pytest.mark.parametrize("query", ["", "?entity=", "?entity=abc"])
def test_assign_without_a_business_is_404(client, clerk, query):
    assert client.get(reverse("holdings:assign") + query).status_code == 404


def test_an_ended_holding_has_no_action_pages(client, clerk):
    holding = AssignmentFactory()
    Assignment.objects.filter(pk=holding.pk).update(end_date=TODAY())
    for name in ("holdings:transfer", "holdings:end"):
        assert client.get(reverse(name, args=[holding.pk])).status_code == 404


# --- assign --------------------------------------------------------------------------------------


def test_the_picker_offers_only_fitting_cadres_in_scope_with_their_load(client, clerk):
    # given a grade C business in a village of 环北街道
    entity = EntityFactory(grade=Grade.C)
    # and cadres: township ones (fit), a county one (fits, above), a village one (too low),
    # a township cadre who left, one of another county, one of another township
    fit = CadreFactory(level=Level.TOWNSHIP, name="乡镇甲")
    AssignmentFactory(cadre=fit, entity=EntityFactory(grade=Grade.C))
    above = CadreFactory(level=Level.COUNTY, name="县级乙")
    CadreFactory(level=Level.VILLAGE)
    CadreFactory(level=Level.TOWNSHIP, status=CadreStatus.LEFT, left_on=TODAY())
    CadreFactory(division=wanshan_township())
    CadreFactory(division=township(code="520602002000", name="另一街道"))
    # when the clerk opens the assign page
    response = client.get(assign_url(entity))
    # then only the fitting cadres are offered, the fitting level first, with their load
    assert response.status_code == 200
    assert list(response.context["form"].fields["cadre"].cadres) == [fit.pk, above.pk]
    field = response.context["form"].fields["cadre"]
    assert field.cadres[fit.pk].load == 1
    assert field.cadres[above.pk].load == 0
    # and choosing the county cadre is marked as an escalation
    assert field.widget.escalating == {str(above.pk)}
    assert "data-escalates" in response.text


def test_the_picker_runs_the_same_queries_for_3_cadres_as_for_30(client, clerk):
    entity = EntityFactory(grade=Grade.C)
    for _ in range(3):
        AssignmentFactory(cadre=CadreFactory(level=Level.TOWNSHIP), entity=EntityFactory())
    with CaptureQueriesContext(connection) as few:
        client.get(assign_url(entity))
    for _ in range(27):
        AssignmentFactory(cadre=CadreFactory(level=Level.TOWNSHIP), entity=EntityFactory())
    with CaptureQueriesContext(connection) as many:
        response = client.get(assign_url(entity))
    assert len(offered(response)) == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_assign_at_the_level(client, clerk):
    # given an unheld grade D business and a village cadre
    entity = EntityFactory()
    cadre = CadreFactory(level=Level.VILLAGE)
    # when the clerk assigns it
    response = client.post(assign_url(entity), {"cadre": cadre.pk, "reason": "新开业"})
    # then the cadre holds it from today, an assign row is written, and the page says so
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[entity.pk])
    holding = current(entity)
    assert (holding.cadre, holding.start_date, holding.escalated) == (cadre, TODAY(), False)
    assert ledger(entity) == [(AdjustmentKind.ASSIGN, None, cadre.pk)]
    assert Adjustment.objects.get(entity=entity).reason == "新开业"
    assert messages_of(response)


def test_assign_above_the_level_with_an_escalation_reason(client, clerk):
    entity = EntityFactory(grade=Grade.B)
    above = CadreFactory(level=Level.CITY, division=city())
    client.force_login(office_user(city()))
    start = TODAY() - datetime.timedelta(days=2)
    response = client.post(
        assign_url(entity),
        {"cadre": above.pk, "escalation_reason": "学校周边高风险", "start_date": start.isoformat()},
    )
    assert response.status_code == 302
    holding = current(entity)
    assert (holding.cadre, holding.escalated, holding.escalation_reason, holding.start_date) == (
        above,
        True,
        "学校周边高风险",
        start,
    )
    assert ledger(entity) == [(AdjustmentKind.ESCALATE, None, above.pk)]


def test_an_escalation_without_a_reason_is_refused(client, clerk):
    entity = EntityFactory()
    above = CadreFactory(level=Level.TOWNSHIP)
    before = snapshot()
    response = client.post(assign_url(entity), {"cadre": above.pk})
    assert response.status_code == 200
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="escalation_reason_required")
    assert snapshot() == before


@pytest.mark.parametrize(
    "who",
    ["below the level", "left", "another county", "another township", "city, out of scope"],
)
def test_a_cadre_not_offered_is_refused(client, clerk, who):
    # given a grade C business and a cadre the picker does not offer, forged into the POST
    entity = EntityFactory(grade=Grade.C)
    forged = {
        "below the level": lambda: CadreFactory(level=Level.VILLAGE),
        "left": lambda: CadreFactory(
            level=Level.TOWNSHIP, status=CadreStatus.LEFT, left_on=TODAY()
        ),
        "another county": lambda: CadreFactory(division=wanshan_township()),
        "another township": lambda: CadreFactory(
            division=township(code="520602002000", name="另一街道")
        ),
        "city, out of scope": lambda: CadreFactory(level=Level.CITY),
    }[who]()
    before = snapshot()
    response = client.post(
        assign_url(entity), {"cadre": forged.pk, "escalation_reason": "强行指定"}
    )
    # then the choice is invalid and nothing is written
    assert response.status_code == 200
    assert response.context["form"].has_error("cadre", code="invalid_choice")
    assert snapshot() == before


def test_a_held_business_has_no_assign_form(client, clerk):
    holding = AssignmentFactory()
    response = client.get(assign_url(holding.entity))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert reverse("holdings:transfer", args=[holding.pk]) in response.text
    # and a POST is refused by the service
    before = snapshot()
    client.post(assign_url(holding.entity), {"cadre": CadreFactory().pk})
    assert snapshot() == before


def test_a_business_in_a_held_zone_has_no_assign_form(client, clerk):
    zone = ZoneFactory()
    entity = EntityFactory(zone=zone)
    zone_holding = zone_assign(
        zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), reason="分片", by=clerk
    )
    Assignment.objects.filter(entity=entity).update(end_date=TODAY())
    response = client.get(assign_url(entity))
    assert response.context["form"] is None
    assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in response.text


def test_a_closed_business_has_no_assign_form(client, clerk):
    entity = EntityFactory(status=EntityStatus.CLOSED)
    assert client.get(assign_url(entity)).context["form"] is None


def test_a_future_start_is_refused(client, clerk):
    entity = EntityFactory()
    cadre = CadreFactory()
    future = (TODAY() + datetime.timedelta(days=5)).isoformat()
    response = client.post(assign_url(entity), {"cadre": cadre.pk, "start_date": future})
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="future_date")
    assert current(entity) is None


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
