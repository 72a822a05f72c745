"""The business and zone register pages: zones."""

import pytest
from django.urls import reverse

from baobao.models import Division, Level
from entities.models import EntityStatus, Zone
from tests.entities.views_support import listed, zone_hold
from tests.factories import CadreFactory, EntityFactory, ZoneFactory, cadre_user, township, wanshan
from tests.helpers import success_messages

pytestmark = pytest.mark.django_db


# --- zones ----------------------------------------------------------------------------------


def test_the_zone_list_shows_counts_and_holders_in_scope(client, clerk):
    # given a held zone with two open businesses and a closed one, an empty zone, a foreign zone
    zone = ZoneFactory(name="环北美食街")
    EntityFactory(zone=zone)
    EntityFactory(zone=zone)
    EntityFactory(zone=zone, status=EntityStatus.CLOSED)
    zone_hold(zone, CadreFactory(name="片区干部", level=Level.TOWNSHIP))
    ZoneFactory(name="空片区")
    ZoneFactory(name="万山市场", division=wanshan())
    # when the clerk opens the zones
    response = client.get(reverse("entities:zone-list"))
    # then 碧江区's zones are listed with the number of open businesses and the holder
    rows = {row.record.name: row.record for row in response.context["table"].paginated_rows}
    assert set(rows) == {"环北美食街", "空片区"}
    assert rows["环北美食街"].business_count == 2
    assert rows["空片区"].business_count == 0
    assert "片区干部" in response.text


@pytest.mark.parametrize("zones", [2, 12])
def test_the_zone_list_runs_the_same_few_queries(
    client, clerk, zones, django_assert_max_num_queries
):
    for _ in range(zones):
        zone = ZoneFactory()
        EntityFactory(zone=zone)
        zone_hold(zone, CadreFactory(level=Level.TOWNSHIP))
    # (seek paging reads a page as its ids, then their rows)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("entities:zone-list"))
    assert len(response.context["table"].paginated_rows) == zones


def test_the_zone_page_lists_its_businesses_and_holder(client, clerk):
    zone = ZoneFactory(name="环北美食街")
    EntityFactory(name="街内店", zone=zone)
    EntityFactory(name="街外店")
    holding = zone_hold(zone, CadreFactory(name="片区干部", level=Level.TOWNSHIP))
    response = client.get(reverse("entities:zone-detail", args=[zone.pk]))
    assert response.status_code == 200
    assert listed(response) == ["街内店"]
    assert response.context["holding"] == holding
    assert "片区干部" in response.text
    for name in ("holdings:zone-transfer", "holdings:zone-end"):
        assert reverse(name, args=[holding.pk]) in response.text


def test_an_unheld_zone_offers_zone_assign(client, clerk):
    zone = ZoneFactory()
    response = client.get(reverse("entities:zone-detail", args=[zone.pk]))
    assert response.context["holding"] is None
    assert f"{reverse('holdings:zone-assign')}?zone={zone.pk}" in response.text


def test_zone_pages_of_another_county_are_404(client, clerk):
    foreign = ZoneFactory(division=wanshan())
    for name in ("zone-detail", "zone-edit"):
        url = reverse(f"entities:{name}", args=[foreign.pk])
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("entities:zone-edit", args=[foreign.pk]), {"name": "x"}).status_code
        == 404
    )


def test_a_cadre_opens_the_zone_they_hold_only(client):
    zone = ZoneFactory()
    cadre = CadreFactory(level=Level.TOWNSHIP)
    zone_hold(zone, cadre)
    other = ZoneFactory()
    client.force_login(cadre_user(cadre))
    assert client.get(reverse("entities:zone-detail", args=[zone.pk])).status_code == 200
    assert client.get(reverse("entities:zone-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("entities:zone-edit", args=[zone.pk])).status_code == 403


def test_the_clerk_creates_a_zone(client, clerk):
    street = township()
    response = client.post(
        reverse("entities:zone-create"),
        {"name": "环北美食街", "kind": "restaurant_street", "division": street.pk},
    )
    zone = Zone.objects.get(name="环北美食街")
    assert response["Location"] == reverse("entities:zone-detail", args=[zone.pk])
    assert (zone.division, zone.kind) == (street, "restaurant_street")
    assert success_messages(response)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "other"}, "name"),
        ({"name": "新片区", "kind": "nonsense"}, "kind"),
        ({"name": "新片区", "kind": "other", "division": "foreign"}, "division"),
        ({"name": "已有片区", "kind": "other"}, "__all__"),
    ],
    ids=["no-name", "bad-kind", "foreign-area", "duplicate-name"],
)
def test_a_bad_zone_is_refused(client, clerk, data, field):
    street = township()
    ZoneFactory(name="已有片区", division=street)
    if data.get("division") == "foreign":
        data["division"] = wanshan().pk
    response = client.post(reverse("entities:zone-create"), {"division": street.pk} | data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Zone.objects.count() == 1


def test_the_clerk_renames_a_zone_but_not_its_area(client, clerk):
    zone = ZoneFactory(name="旧片区")
    response = client.post(
        reverse("entities:zone-edit", args=[zone.pk]),
        {
            "name": "新片区",
            "kind": "wholesale_market",
            "description": "农贸批发",
            "division": wanshan().pk,
        },
    )
    assert response.status_code == 302
    zone.refresh_from_db()
    assert (zone.name, zone.kind, zone.description, zone.division) == (
        "新片区",
        "wholesale_market",
        "农贸批发",
        township(),
    )


def test_every_division_in_the_tree_is_not_loaded_into_a_select(client, clerk):
    # given a county with many communities under one street
    street = township()
    for n in range(2, 40):
        Division.objects.create(
            code=f"520602001{n:03d}", name=f"社区{n}", level=Level.VILLAGE, parent=street
        )
    # then the create form's area offers only the county and its streets
    response = client.get(reverse("entities:create"))
    assert "社区39" not in response.text
    assert len(response.context["picker"].options) == 2
