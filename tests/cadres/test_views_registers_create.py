"""The cadre register pages: the detail page and registering a cadre."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from cadres.models import AdjustmentKind, AideKind, Assignment, Cadre, CadreStatus
from cadres.services import zone_assign
from entities.models import Grade
from tests.cadres.views_registers_support import TODAY, cadre_post, url
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    city,
    county,
    new_mobile,
    township,
    village,
    wanshan,
)
from tests.helpers import success_messages

pytestmark = pytest.mark.django_db


# --- the detail page ---------------------------------------------------------------------


def test_the_detail_page_shows_holdings_zones_history_aides_and_ledger(client, clerk):
    # given a township cadre with a direct holding, a zone, an ended holding and aides
    cadre = CadreFactory(level=Level.TOWNSHIP, name="详情干部", unit="环北街道办")
    direct = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.C, name="直接店"))
    zone = ZoneFactory(name="美食一条街")
    EntityFactory(zone=zone, name="片区店")
    zone_holding = zone_assign(zone=zone, cadre=cadre, reason="分片", by=clerk)
    past = AssignmentFactory(
        cadre=cadre,
        entity=EntityFactory(grade=Grade.C, name="旧店"),
        start_date=TODAY() - datetime.timedelta(days=60),
    )
    Assignment.objects.filter(pk=past.pk).update(end_date=TODAY())
    CadreAideFactory(cadre=cadre, name="协保丁")
    # when the clerk opens the cadre's page
    response = client.get(url("detail", cadre.pk))
    # then it shows everything about them
    assert response.status_code == 200
    assert response.context["held_count"] == 2
    held = {row.record.entity.name for row in response.context["holding_table"].paginated_rows}
    assert held == {"直接店", "片区店"}
    assert [za.zone.name for za in response.context["zone_holdings"]] == ["美食一条街"]
    assert response.context["zone_holdings"][0].held == 1
    assert [a.entity.name for a in response.context["past_holdings"]] == ["旧店"]
    assert [a.kind for a in response.context["adjustments"]] == [AdjustmentKind.ZONE_ASSIGN]
    for text in ("环北街道办", "协保丁", "美食一条街", "旧店"):
        assert text in response.text
    # and the actions that change them
    assert reverse("holdings:transfer", args=[direct.pk]) in response.text
    assert reverse("holdings:end", args=[direct.pk]) in response.text
    assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in response.text
    assert f"{reverse('holdings:bulk-transfer')}?cadre={cadre.pk}" in response.text
    assert url("leave", cadre.pk) in response.text
    assert url("commitment", cadre.pk) in response.text


def test_the_detail_page_runs_the_same_queries_for_3_holdings_as_for_30(client, clerk):
    cadre = CadreFactory()
    for _ in range(3):
        AssignmentFactory(cadre=cadre)
    with CaptureQueriesContext(connection) as few:
        client.get(url("detail", cadre.pk))
    for _ in range(27):
        AssignmentFactory(cadre=cadre)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("detail", cadre.pk))
    assert response.context["held_count"] == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_cadre_who_left_has_no_leave_action(client, clerk):
    cadre = CadreFactory(status=CadreStatus.LEFT, left_on=TODAY(), left_reason="退休")
    response = client.get(url("detail", cadre.pk))
    assert response.status_code == 200
    assert "退休" in response.text
    assert url("leave", cadre.pk) not in response.text


# --- registering a cadre -----------------------------------------------------------------------


def test_the_create_page_starts_at_the_clerks_area_and_goes_down_one_level(client, clerk):
    # the chooser starts at the county: the cadre would be a county-level cadre
    page = client.get(url("create"))
    assert page.context["division"] == county()
    assert page.context["level"] == Level.COUNTY
    assert page.context["form"]["division"].value() == county().pk
    # choosing a township makes it a township cadre
    down = client.get(url("create"), {"division": township().pk})
    assert (down.context["division"], down.context["level"]) == (township(), Level.TOWNSHIP)
    # an area outside the scope is not taken
    assert client.get(url("create"), {"division": wanshan().pk}).context["division"] == county()


def test_the_clerk_registers_a_county_cadre_with_assistants_and_a_liaison(client, clerk):
    # when the clerk registers a county cadre with two assistants and a liaison
    data = cadre_post(
        county(),
        **{
            "assistant1-name": "协保一",
            "assistant1-phone": new_mobile(),
            "assistant2-name": "协保二",
            "assistant2-phone": "0856-5221234",
            "liaison-name": "联络一",
            "liaison-phone": new_mobile(),
            "commitment_signed_on": "2026-01-05",
        },
    )
    response = client.post(url("create") + f"?division={county().pk}", data)
    # then the cadre exists with their aides, and the page goes to them
    cadre = Cadre.objects.get(name="新干部")
    assert response.status_code == 302
    assert response["Location"] == url("detail", cadre.pk)
    assert (cadre.division, cadre.level, cadre.unit, cadre.post) == (
        county(),
        Level.COUNTY,
        "区市场监管局",
        "局长",
    )
    assert str(cadre.commitment_signed_on) == "2026-01-05"
    assert sorted(cadre.aides.values_list("kind", "name")) == [
        (AideKind.ASSISTANT, "协保一"),
        (AideKind.ASSISTANT, "协保二"),
        (AideKind.LIAISON, "联络一"),
    ]
    assert success_messages(response)


def test_a_village_cadre_needs_no_assistant(client, clerk):
    response = client.post(url("create"), cadre_post(village()))
    assert response.status_code == 302
    cadre = Cadre.objects.get(name="新干部")
    assert cadre.level == Level.VILLAGE
    assert not cadre.aides.exists()


def test_a_county_cadre_without_an_assistant_is_refused_and_nothing_is_created(client, clerk):
    response = client.post(url("create"), cadre_post(county()))
    assert response.status_code == 200
    assert response.context["form"].has_error(NON_FIELD_ERRORS, code="assistant_required")
    assert not Cadre.objects.exists()


def test_an_aide_block_half_filled_is_refused(client, clerk):
    data = cadre_post(county(), **{"assistant1-name": "只有名字"})
    response = client.post(url("create"), data)
    assert response.status_code == 200
    aide_form = response.context["aide_forms"][0][1]
    assert aide_form.has_error("phone")
    assert not Cadre.objects.exists()


def test_a_bad_or_taken_phone_is_refused_on_the_phone_field(client, clerk):
    taken = CadreFactory()
    bad = client.post(url("create"), cadre_post(village(), phone="12345"))
    assert bad.context["form"].has_error("phone")
    again = client.post(url("create"), cadre_post(village(), phone=taken.phone))
    assert again.context["form"].has_error("phone")
    assert Cadre.objects.count() == 1


@pytest.mark.parametrize("division", [wanshan, city])
def test_a_forged_area_outside_the_scope_is_refused(client, clerk, division):
    response = client.post(url("create"), cadre_post(division()))
    assert response.status_code == 200
    assert response.context["form"].has_error("division")
    assert not Cadre.objects.exists()


def test_a_future_signing_date_is_refused(client, clerk):
    response = client.post(url("create"), cadre_post(village(), commitment_signed_on="2999-01-01"))
    assert response.context["form"].has_error("commitment_signed_on")
    assert not Cadre.objects.exists()
