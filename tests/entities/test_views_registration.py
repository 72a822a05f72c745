"""The business and zone register pages: registering and editing a business."""

import pytest
from django.urls import reverse

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment
from entities.models import BusinessType, Entity, Grade, GradeChange
from tests.entities.views_support import zone_hold
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    county,
    township,
    valid_uscc,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import success_messages

pytestmark = pytest.mark.django_db


def entity_data(**fields) -> dict:
    """A complete, valid create form for a grade D restaurant in 金滩社区."""
    return {
        "name": "碧江区好味餐馆",
        "uscc": valid_uscc(880001),
        "licence_no": "JY15206020000001",
        "business_type": BusinessType.CATERING,
        "grade": Grade.D,
        "division": village().pk,
        "zone": "",
        "address": "环北路8号",
        "director_name": "王总监",
        "director_phone": "13900000001",
        "officer_name": "李安全",
        "officer_phone": "0856-5221234",
        "contact_phone": "13900000002",
        "grade_reason": "小餐饮",
    } | fields


def edit_data(entity, **fields) -> dict:
    data = {
        name: getattr(entity, name)
        for name in (
            "name",
            "uscc",
            "licence_no",
            "business_type",
            "address",
            "director_name",
            "director_phone",
            "officer_name",
            "officer_phone",
            "contact_phone",
        )
    }
    return data | {"division": entity.division_id, "zone": entity.zone_id or ""} | fields


# --- register a business ------------------------------------------------------------------


def test_the_clerk_registers_a_business(client, clerk):
    # when the clerk submits a complete form
    response = client.post(reverse("entities:create"), entity_data())
    # then the business is registered in 金滩社区 with its first grading, and its page opens
    entity = Entity.objects.get(name="碧江区好味餐馆")
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[entity.pk])
    assert (entity.division, entity.grade, entity.licence_no, entity.officer_phone) == (
        village(),
        Grade.D,
        "JY15206020000001",
        "0856-5221234",
    )
    change = GradeChange.objects.get(entity=entity)
    assert (change.new_grade, change.reason, change.changed_by) == ("D", "小餐饮", clerk)
    assert success_messages(response)


def test_a_business_registered_in_a_held_zone_is_held_through_it(client, clerk):
    # given a zone of 环北街道 held by a township cadre
    zone = ZoneFactory(name="环北美食街")
    zone_holding = zone_hold(zone, CadreFactory(level=Level.TOWNSHIP))
    # when a business is registered in that zone
    client.post(reverse("entities:create"), entity_data(zone=zone.pk))
    # then it is held by the zone's cadre, and the ledger says so
    entity = Entity.objects.get(name="碧江区好味餐馆")
    holding = Assignment.objects.get(entity=entity, end_date__isnull=True)
    assert (holding.cadre, holding.via_zone) == (zone_holding.cadre, zone_holding)
    assert Adjustment.objects.get(entity=entity).kind == AdjustmentKind.ZONE_ASSIGN


def test_a_wrong_credit_code_is_refused_in_chinese_next_to_its_field(client, clerk):
    response = client.post(reverse("entities:create"), entity_data(uscc="91350100M000100Y44"))
    assert response.status_code == 200
    assert "uscc" in response.context["form"].errors
    assert "统一社会信用代码校验位不正确" in response.text
    assert not Entity.objects.exists()


def test_a_credit_code_already_registered_is_refused(client, clerk):
    EntityFactory(uscc=valid_uscc(880001))
    response = client.post(reverse("entities:create"), entity_data())
    assert response.status_code == 200
    assert "已有其他主体使用该统一社会信用代码登记" in response.text
    assert Entity.objects.count() == 1


def test_missing_required_fields_are_refused_field_by_field(client, clerk):
    response = client.post(
        reverse("entities:create"), entity_data(name="", division="", business_type="")
    )
    assert response.status_code == 200
    assert {"name", "division", "business_type"} <= set(response.context["form"].errors)
    assert not Entity.objects.exists()


def test_a_forged_division_outside_the_scope_is_refused(client, clerk):
    response = client.post(reverse("entities:create"), entity_data(division=wanshan_village().pk))
    assert response.status_code == 200
    assert "division" in response.context["form"].errors
    assert not Entity.objects.exists()


def test_a_forged_zone_outside_the_scope_is_refused(client, clerk):
    foreign = ZoneFactory(division=wanshan())
    response = client.post(reverse("entities:create"), entity_data(zone=foreign.pk))
    assert response.status_code == 200
    assert "zone" in response.context["form"].errors
    assert not Entity.objects.exists()


def test_a_zone_of_another_street_is_refused_by_the_service_on_the_zone_field(client, clerk):
    # given a zone of another street of the same county
    zone = ZoneFactory(division=township(code="520602002000", name="川硐街道"))
    # when a business of 金滩社区 is put in it
    response = client.post(reverse("entities:create"), entity_data(zone=zone.pk))
    # then the refusal is shown on the zone field and nothing is registered
    assert response.status_code == 200
    assert "zone" in response.context["form"].errors
    assert not Entity.objects.exists()


def test_the_area_is_chosen_level_by_level_without_losing_what_was_typed(client, clerk):
    # given the county with one street and its community
    street = township()
    village()
    url = reverse("entities:create")
    # when the page opens, the area offers the county and its streets (not every village)
    picker = client.get(url).context["picker"]
    assert [o.name for o in picker.options] == ["碧江区", "环北街道"]
    # when the clerk chooses the street and opens it
    response = client.post(url, entity_data(division=street.pk, _area="down"))
    # then nothing is saved, the typed name is kept and the street's communities are offered
    assert not Entity.objects.exists()
    assert 'value="碧江区好味餐馆"' in response.text
    picker = response.context["picker"]
    assert [d.name for d in picker.trail] == ["碧江区", "环北街道"]
    assert [o.name for o in picker.options] == ["环北街道", "金滩社区"]
    # and going back up to the county is a button of the same form
    response = client.post(url, entity_data(_area=county().pk))
    assert [d.name for d in response.context["picker"].trail] == ["碧江区"]
    assert not Entity.objects.exists()


def test_a_link_may_preselect_an_area_in_scope_only(client, clerk):
    # given a link to the create form that names 金滩社区, and one that names 万山区's community
    community = village()
    url = reverse("entities:create")
    # then the first opens with 金滩社区 chosen, the second at the top of the clerk's scope
    picker = client.get(url, {"division": community.pk}).context["picker"]
    assert [o.pk for o in picker.options if o.selected] == [community.pk]
    picker = client.get(url, {"division": wanshan_village().pk}).context["picker"]
    assert [d.name for d in picker.trail] == ["碧江区"]
    assert not [o for o in picker.options if o.selected]


def test_the_area_picker_cannot_be_walked_outside_the_scope(client, clerk):
    response = client.post(reverse("entities:create"), entity_data(_area=wanshan().pk))
    picker = response.context["picker"]
    assert [d.name for d in picker.trail] == ["碧江区"]
    assert "万山区" not in response.text


# --- edit a business ------------------------------------------------------------------------


def test_the_clerk_edits_a_business(client, clerk):
    entity = EntityFactory(name="旧名")
    other_village = village(code="520602001002", name="白塔社区")
    response = client.post(
        reverse("entities:edit", args=[entity.pk]),
        edit_data(entity, name="新名", division=other_village.pk, officer_name="赵安全"),
    )
    assert response.status_code == 302
    entity.refresh_from_db()
    assert (entity.name, entity.division, entity.officer_name) == ("新名", other_village, "赵安全")
    assert success_messages(response)


def test_the_edit_page_opens_at_the_businesss_area(client, clerk):
    entity = EntityFactory()
    response = client.get(reverse("entities:edit", args=[entity.pk]))
    picker = response.context["picker"]
    assert [d.name for d in picker.trail] == ["碧江区", "环北街道", "金滩社区"]
    assert [o.pk for o in picker.options if o.selected] == [entity.division_id]
    assert "grade" not in response.context["form"].fields


def test_moving_a_business_out_of_its_holders_area_is_refused_in_chinese(client, clerk):
    # given a business held by a cadre of 金滩社区
    holding = AssignmentFactory(entity=EntityFactory(name="原名"))
    other_village = village(code="520602001002", name="白塔社区")
    # when the clerk moves it to 白塔社区
    response = client.post(
        reverse("entities:edit", args=[holding.entity.pk]),
        edit_data(holding.entity, name="改名", division=other_village.pk),
    )
    # then the service's refusal is shown on the area field, and nothing changes
    assert response.status_code == 200
    assert "division" in response.context["form"].errors
    assert "请先调整包保干部" in response.text
    holding.entity.refresh_from_db()
    assert (holding.entity.name, holding.entity.division) == ("原名", village())
    # and the page still shows the business as it is, not as it was typed
    assert response.context["entity"].name == "原名"


def test_joining_a_held_zone_moves_the_holding_to_the_zones_cadre(client, clerk):
    # given a business held directly, and a zone held by a township cadre
    holding = AssignmentFactory()
    zone = ZoneFactory()
    zone_holding = zone_hold(zone, CadreFactory(level=Level.TOWNSHIP))
    # when the clerk puts the business in the zone
    client.post(
        reverse("entities:edit", args=[holding.entity.pk]), edit_data(holding.entity, zone=zone.pk)
    )
    # then its holding passes to the zone's cadre, with a ledger row
    current = Assignment.objects.get(entity=holding.entity, end_date__isnull=True)
    assert current.via_zone == zone_holding
    assert Adjustment.objects.filter(
        entity=holding.entity, kind=AdjustmentKind.ZONE_ASSIGN, from_cadre=holding.cadre
    ).exists()
