"""Assignment work in the browser (/holdings/): roles and scope, and assign."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus, ZoneAssignment
from cadres.services import zone_assign
from entities.models import EntityStatus, Grade
from tests.cadres.views_holdings_support import (
    TODAY,
    bulk_url,
    messages_of,
    offered,
    snapshot,
    zone_assign_url,
)
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


def assign_url(entity) -> str:
    return f"{reverse('holdings:assign')}?entity={entity.pk}"


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
