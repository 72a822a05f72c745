"""The business and zone register pages: who may see and change what, the list's filters and
speed, and every action's effect on the registers and the adjustment ledger."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao.models import Division, Level
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    Assignment,
    Cadre,
    CadreStatus,
    ZoneAssignment,
)
from entities.models import BusinessType, Entity, EntityStatus, Grade, GradeChange, Zone
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    aide_user,
    cadre_user,
    city,
    county,
    office_user,
    province,
    township,
    valid_uscc,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import success_messages

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def listed(response) -> list[str]:
    """The names in the table on the page, in the order shown."""
    return [row.record.name for row in response.context["table"].paginated_rows]


def zone_hold(zone, cadre) -> ZoneAssignment:
    from cadres.services import zone_assign

    return zone_assign(zone=zone, cadre=cadre, reason="分片包保", by=None)


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


# --- who may open the pages -------------------------------------------------------------------


READ_PAGES = ["entities:list", "entities:zone-list"]
WRITE_PAGES = ["entities:create", "entities:zone-create"]


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize(
    "make_user",
    [
        lambda: office_user(province()),
        lambda: office_user(city()),
        lambda: office_user(county()),
        lambda: office_user(township()),
        admin_user,
    ],
    ids=["province", "city", "county", "township", "admin"],
)
def test_office_roles_and_the_admin_read_the_lists(client, name, make_user):
    client.force_login(make_user())
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
@pytest.mark.parametrize("kind", ["cadre", "assistant", "liaison"])
def test_cadres_and_their_aides_may_not_open_the_office_lists_or_forms(client, name, kind):
    aide = CadreAideFactory(kind="liaison" if kind == "liaison" else "assistant")
    user = cadre_user(aide.cadre) if kind == "cadre" else aide_user(aide)
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_the_province_office_reads_but_may_not_register(client, name):
    client.force_login(office_user(province()))
    assert client.get(reverse(name)).status_code == 403


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_the_scope_with_grade_area_zone_and_holder(client, clerk):
    # given a held business in a zone of 碧江区, and one in 万山区
    zone = ZoneFactory(name="环北美食街", division=township())
    holding = AssignmentFactory(
        entity=EntityFactory(name="环北烧烤", grade=Grade.C, zone=zone),
        cadre=CadreFactory(name="张干部", level=Level.TOWNSHIP),
    )
    EntityFactory(name="万山面馆", division=wanshan_village())
    # when the county clerk opens the list
    response = client.get(reverse("entities:list"))
    # then only 碧江区's business is there, with its columns
    assert response.status_code == 200
    assert listed(response) == ["环北烧烤"]
    row = response.text
    for text in ("环北烧烤", holding.entity.uscc, "金滩社区", "环北美食街", "张干部"):
        assert text in row
    assert reverse("entities:detail", args=[holding.entity.pk]) in row


def test_a_township_office_lists_its_township_only(client):
    EntityFactory(name="环北小吃")
    EntityFactory(
        name="川硐小吃",
        division=village(
            code="520602002001",
            name="川硐村",
            township_division=township(code="520602002000", name="川硐街道"),
        ),
    )
    client.force_login(office_user(township()))
    assert listed(client.get(reverse("entities:list"))) == ["环北小吃"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("烧烤", ["环北烧烤"]),
        ("好味", ["好味餐馆"]),
        (valid_uscc(990001).lower(), ["好味餐馆"]),
        ("jy15206020099999", ["环北烧烤"]),
        ("不存在", []),
    ],
    ids=["name", "name-2", "uscc-any-case", "licence", "nothing"],
)
def test_the_search_finds_by_name_or_exact_code(client, clerk, query, expected):
    EntityFactory(name="好味餐馆", uscc=valid_uscc(990001))
    EntityFactory(name="环北烧烤", licence_no="JY15206020099999")
    EntityFactory(name="金滩超市", business_type=BusinessType.FOOD_SALES)
    assert listed(client.get(reverse("entities:list"), {"q": query})) == expected


def test_grade_type_and_status_filters(client, clerk):
    EntityFactory(name="甲", grade=Grade.B, business_type=BusinessType.SCHOOL_CANTEEN)
    EntityFactory(name="乙", grade=Grade.D, status=EntityStatus.SUSPENDED)
    EntityFactory(name="丙", grade=Grade.D, business_type=BusinessType.STALL, uscc="")
    url = reverse("entities:list")
    assert listed(client.get(url, {"grade": "B"})) == ["甲"]
    assert listed(client.get(url, {"business_type": "stall"})) == ["丙"]
    assert listed(client.get(url, {"status": "suspended"})) == ["乙"]
    assert listed(client.get(url, {"grade": "D", "status": "active"})) == ["丙"]


def test_the_area_filter_takes_a_division_in_scope_and_ignores_one_outside(client, clerk):
    # given a business in 金滩社区 and one in another street of the county
    other_street = township(code="520602002000", name="川硐街道")
    EntityFactory(name="金滩小吃")
    EntityFactory(
        name="川硐小吃",
        division=village(code="520602002001", name="川硐村", township_division=other_street),
    )
    url = reverse("entities:list")
    # when the clerk narrows to 川硐街道 (a township: its villages are included)
    assert listed(client.get(url, {"division": other_street.pk})) == ["川硐小吃"]
    # and a division of 万山区 in the query string is ignored: it is outside the scope
    response = client.get(url, {"division": wanshan().pk})
    assert sorted(listed(response)) == ["川硐小吃", "金滩小吃"]


def test_the_area_chooser_offers_the_next_level_only(client, clerk):
    # given 碧江区 with one street and 万山区 beside it
    township()
    wanshan_village()
    response = client.get(reverse("entities:list"))
    # then the chooser lists 碧江区's streets, not villages and not the other county
    assert "环北街道" in response.text
    assert "金滩社区" not in response.text
    assert "万山区" not in response.text


def test_the_zone_filter_offers_and_accepts_zones_in_scope_only(client, clerk):
    # given a business in a zone of 碧江区, and a zone of 万山区
    zone = ZoneFactory(name="环北美食街")
    EntityFactory(name="街内", zone=zone)
    EntityFactory(name="街外")
    foreign = ZoneFactory(name="万山市场", division=wanshan())
    url = reverse("entities:list")
    # when the clerk filters on their zone, only its business is listed
    response = client.get(url, {"zone": zone.pk})
    assert listed(response) == ["街内"]
    assert list(response.context["filters"].form.fields["zone"].queryset) == [zone]
    # and a forged id of the foreign zone lists nothing and says the choice is refused
    response = client.get(url, {"zone": foreign.pk})
    assert listed(response) == []
    assert "zone" in response.context["filters"].form.errors


def test_the_covered_filter_counts_only_holders_in_post(client, clerk):
    # given a business held by a cadre in post, one whose cadre left, and one never held
    AssignmentFactory(entity=EntityFactory(name="有人"))
    left = AssignmentFactory(entity=EntityFactory(name="人走了"))
    Cadre.objects.filter(pk=left.cadre_id).update(status=CadreStatus.LEFT, left_on=YESTERDAY)
    EntityFactory(name="没人")
    url = reverse("entities:list")
    # then covered = has a holder in post; not covered = the gaps
    assert listed(client.get(url, {"covered": "yes"})) == ["有人"]
    assert sorted(listed(client.get(url, {"covered": "no"}))) == ["人走了", "没人"]


def test_the_escalated_filter(client, clerk):
    AssignmentFactory(
        entity=EntityFactory(name="提级", grade=Grade.B),
        cadre=CadreFactory(level=Level.CITY),
        escalated=True,
        escalation_reason="学校食堂风险高",
    )
    AssignmentFactory(entity=EntityFactory(name="普通", grade=Grade.B))
    EntityFactory(name="无人")
    url = reverse("entities:list")
    assert listed(client.get(url, {"escalated": "yes"})) == ["提级"]
    assert sorted(listed(client.get(url, {"escalated": "no"}))) == ["无人", "普通"]


def test_held_by_lists_one_cadres_businesses_and_refuses_a_cadre_outside_scope(client, clerk):
    # given two village cadres of 碧江区 and one of 万山区
    mine = AssignmentFactory(entity=EntityFactory(name="甲店"))
    AssignmentFactory(entity=EntityFactory(name="乙店"))
    foreign = CadreFactory(division=wanshan_village())
    url = reverse("entities:list")
    # when the clerk follows a cadre's "their businesses" link
    response = client.get(url, {"held_by": mine.cadre_id})
    # then only that cadre's business is listed, and the page names the cadre
    assert listed(response) == ["甲店"]
    assert response.context["held_by"] == mine.cadre
    assert mine.cadre.name in response.text
    # and a cadre of another county is refused: nothing is listed
    response = client.get(url, {"held_by": foreign.pk})
    assert listed(response) == []
    assert "held_by" in response.context["filters"].form.errors


def test_held_by_does_not_count_ended_holdings(client, clerk):
    holding = AssignmentFactory(entity=EntityFactory(name="旧店"))
    Assignment.objects.filter(pk=holding.pk).update(end_date=TODAY)
    assert listed(client.get(reverse("entities:list"), {"held_by": holding.cadre_id})) == []


def test_the_list_sorts_by_name_grade_type_and_status(client, clerk):
    EntityFactory(name="b店", grade=Grade.A, business_type=BusinessType.STALL, uscc="")
    EntityFactory(name="a店", grade=Grade.C, status=EntityStatus.SUSPENDED)
    EntityFactory(name="c店", grade=Grade.B, business_type=BusinessType.CATERING)
    url = reverse("entities:list")
    assert listed(client.get(url)) == ["a店", "b店", "c店"]
    assert listed(client.get(url, {"sort": "-name"})) == ["c店", "b店", "a店"]
    assert listed(client.get(url, {"sort": "grade"})) == ["b店", "c店", "a店"]
    assert listed(client.get(url, {"sort": "business_type"})) == ["a店", "c店", "b店"]
    assert listed(client.get(url, {"sort": "-status"})) == ["a店", "c店", "b店"]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_the_same_few_queries_whatever_the_page_size(
    client, clerk, rows, django_assert_max_num_queries
):
    # given held businesses in a zone, each with its holder (so a per-row query would show)
    zone = ZoneFactory()
    cadre = CadreFactory(level=Level.VILLAGE)
    for _ in range(rows):
        AssignmentFactory(entity=EntityFactory(zone=zone), cadre=cadre)
    filters = {
        "q": "测试",
        "grade": "D",
        "status": "active",
        "zone": zone.pk,
        "covered": "yes",
        "escalated": "no",
        "held_by": cadre.pk,
        "division": township().pk,
    }
    # when the list is opened with every filter, then the same bound holds for 3 rows and 30
    # (one of them is the header's unread-message count)
    with django_assert_max_num_queries(14) as captured:
        response = client.get(reverse("entities:list"), filters)
    assert len(listed(response)) == rows
    # and without filters it is fewer still
    with django_assert_max_num_queries(10):
        assert len(listed(client.get(reverse("entities:list")))) == rows
    # and no COUNT(*) is run to page the table
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


# --- the detail page ------------------------------------------------------------------------


def test_the_detail_page_shows_fields_holder_and_all_history(client, clerk):
    # given a grade B school canteen, first held by a county cadre, then escalated to a city cadre
    entity = EntityFactory(
        name="碧江一中食堂",
        grade=Grade.B,
        business_type=BusinessType.SCHOOL_CANTEEN,
        licence_no="JY35206020000009",
        director_name="周总监",
    )
    from cadres.services import assignment_create, assignment_escalate
    from entities.services import entity_regrade

    first = assignment_create(
        entity=entity,
        cadre=CadreFactory(name="县干部", level=Level.COUNTY),
        by=clerk,
        start_date=TODAY - datetime.timedelta(days=10),
    )
    entity_regrade(entity=entity, new_grade=Grade.A, reason="在校生超三千", by=clerk)
    entity_regrade(entity=entity, new_grade=Grade.B, reason="复核", by=clerk)
    assignment_escalate(
        assignment=first,
        to_cadre=CadreFactory(name="市干部", level=Level.CITY),
        reason="学校食堂提级包保",
        by=clerk,
    )
    # when the clerk opens it
    response = client.get(reverse("entities:detail", args=[entity.pk]))
    # then the fields, the holder with level and escalation reason, and the history are there
    assert response.status_code == 200
    for text in ("碧江一中食堂", entity.uscc, "JY35206020000009", "周总监", "金滩社区", "市干部"):
        assert text in response.text
    assert response.context["holding"].cadre.name == "市干部"
    assert "学校食堂提级包保" in response.text
    assert [a.cadre.name for a in response.context["assignments"]] == ["市干部", "县干部"]
    assert [(g.old_grade, g.new_grade) for g in response.context["grade_changes"]] == [
        ("A", "B"),
        ("B", "A"),
    ]
    assert {a.kind for a in response.context["adjustments"]} == {
        AdjustmentKind.ASSIGN,
        AdjustmentKind.REGRADE,
        AdjustmentKind.ESCALATE,
    }
    assert "在校生超三千" in response.text


def test_the_detail_page_runs_a_bounded_number_of_queries(
    client, clerk, django_assert_max_num_queries
):
    holding = AssignmentFactory()
    for _ in range(5):
        Adjustment.objects.create(
            kind=AdjustmentKind.ASSIGN,
            entity=holding.entity,
            to_cadre=holding.cadre,
            reason="测试",
            effective_date=TODAY,
            created_by=clerk,
        )
    # 10 for the register entry, +2 for the last four quarters' supervision status
    # and +1: the audit row of a view of full phone numbers (docs/security.md), +5 for the
    # self-management section (enterprises: the last visit's day, one aggregate of the records,
    # the office's record policy, the year's holiday table, the business's accounts)
    with django_assert_max_num_queries(18):
        client.get(reverse("entities:detail", args=[holding.entity.pk]))


def test_an_unheld_business_offers_assign(client, clerk):
    entity = EntityFactory()
    response = client.get(reverse("entities:detail", args=[entity.pk]))
    assert response.context["holding"] is None
    assert f"{reverse('holdings:assign')}?entity={entity.pk}" in response.text


def test_a_directly_held_business_offers_transfer_and_end(client, clerk):
    holding = AssignmentFactory()
    response = client.get(reverse("entities:detail", args=[holding.entity.pk]))
    for name in ("holdings:transfer", "holdings:end"):
        assert reverse(name, args=[holding.pk]) in response.text
    assert "?entity=" not in response.text


def test_a_business_held_through_its_zone_links_to_the_zone_instead(client, clerk):
    # given a business in a zone held by a township cadre
    zone = ZoneFactory(name="环北美食街")
    entity = EntityFactory(zone=zone)
    zone_hold(zone, CadreFactory(level=Level.TOWNSHIP))
    holding = Assignment.objects.get(entity=entity, end_date__isnull=True)
    # when the clerk opens the business
    response = client.get(reverse("entities:detail", args=[entity.pk]))
    # then it says it is held through the zone, links there, and offers no direct transfer
    assert reverse("entities:zone-detail", args=[zone.pk]) in response.text
    assert response.context["holding"].via_zone.zone == zone
    assert reverse("holdings:transfer", args=[holding.pk]) not in response.text
    assert reverse("holdings:end", args=[holding.pk]) not in response.text


def test_a_cadre_opens_the_businesses_they_hold_and_no_other(client):
    holding = AssignmentFactory()
    other = EntityFactory()
    client.force_login(cadre_user(holding.cadre))
    response = client.get(reverse("entities:detail", args=[holding.entity.pk]))
    assert response.status_code == 200
    assert reverse("entities:edit", args=[holding.entity.pk]) not in response.text
    assert client.get(reverse("entities:detail", args=[other.pk])).status_code == 404


def test_an_assistant_opens_their_cadres_businesses(client):
    holding = AssignmentFactory(
        entity=EntityFactory(grade=Grade.B), cadre=CadreFactory(level=Level.COUNTY)
    )
    client.force_login(aide_user(CadreAideFactory(cadre=holding.cadre)))
    assert client.get(reverse("entities:detail", args=[holding.entity.pk])).status_code == 200


def test_another_countys_business_is_404(client, clerk):
    foreign = EntityFactory(division=wanshan_village())
    for name in ("detail", "edit", "regrade", "status"):
        url = reverse(f"entities:{name}", args=[foreign.pk])
        assert client.get(url).status_code == 404, name
        if name != "detail":
            assert client.post(url, {"reason": "x"}).status_code == 404, name
    assert client.get(reverse("entities:detail", args=[10**9])).status_code == 404


def test_the_province_office_reads_a_business_without_action_links(client):
    entity = EntityFactory()
    client.force_login(office_user(province()))
    response = client.get(reverse("entities:detail", args=[entity.pk]))
    assert response.status_code == 200
    assert reverse("entities:edit", args=[entity.pk]) not in response.text


@pytest.mark.parametrize("name", ["edit", "regrade", "status"])
@pytest.mark.parametrize("role", ["province", "cadre", "assistant"])
def test_read_only_roles_may_not_act_on_a_business(client, name, role):
    # given a business held by a county cadre with an assistant
    holding = AssignmentFactory(
        entity=EntityFactory(grade=Grade.B), cadre=CadreFactory(level=Level.COUNTY)
    )
    user = {
        "province": lambda: office_user(province()),
        "cadre": lambda: cadre_user(holding.cadre),
        "assistant": lambda: aide_user(CadreAideFactory(cadre=holding.cadre)),
    }[role]()
    client.force_login(user)
    url = reverse(f"entities:{name}", args=[holding.entity.pk])
    # then both the page and the action are refused, and nothing changes
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"new_grade": "A", "status": "closed", "reason": "x", "effective_date": TODAY}
    )
    assert response.status_code == 403
    holding.entity.refresh_from_db()
    assert (holding.entity.grade, holding.entity.status) == (Grade.B, EntityStatus.ACTIVE)


def test_anonymous_is_sent_to_login_from_a_business(client):
    entity = EntityFactory()
    for name in ("detail", "edit", "regrade", "status"):
        response = client.get(reverse(f"entities:{name}", args=[entity.pk]))
        assert response["Location"].startswith(reverse("login")), name


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


# --- regrade --------------------------------------------------------------------------------


def test_the_clerk_regrades_a_held_business(client, clerk):
    # given a grade D business held by a village cadre
    holding = AssignmentFactory()
    url = reverse("entities:regrade", args=[holding.entity.pk])
    # the page offers the other grades only
    form = client.get(url).context["form"]
    assert [v for v, _label in form.fields["new_grade"].choices] == ["A", "B", "C"]
    # when the clerk regrades it to C with a reason, effective yesterday
    response = client.post(
        url, {"new_grade": "C", "reason": "扩大经营", "effective_date": YESTERDAY}
    )
    # then the grade, the grade history and the ledger change, and the page says so
    assert response.status_code == 302
    holding.entity.refresh_from_db()
    assert holding.entity.grade == Grade.C
    change = GradeChange.objects.filter(entity=holding.entity).latest("id")
    assert (change.old_grade, change.new_grade, change.reason, change.effective_date) == (
        "D",
        "C",
        "扩大经营",
        YESTERDAY,
    )
    adjustment = Adjustment.objects.get(entity=holding.entity)
    assert (adjustment.kind, adjustment.old_grade, adjustment.new_grade) == (
        AdjustmentKind.REGRADE,
        "D",
        "C",
    )
    assert success_messages(response)


@pytest.mark.parametrize(
    ("data", "field", "chinese"),
    [
        ({"new_grade": "C", "reason": ""}, "reason", "请填写调整原因"),
        ({"new_grade": "D", "reason": "复核"}, "new_grade", None),
        (
            {"new_grade": "C", "reason": "复核", "effective_date": TODAY + datetime.timedelta(1)},
            None,
            "生效日期不能晚于今天",
        ),
    ],
    ids=["no-reason", "same-grade", "future-date"],
)
def test_a_bad_regrade_is_refused_and_changes_nothing(client, clerk, data, field, chinese):
    entity = EntityFactory(grade=Grade.D)
    response = client.post(
        reverse("entities:regrade", args=[entity.pk]), {"effective_date": TODAY} | data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (field or "__all__") in errors
    if chinese:
        assert chinese in response.text
    entity.refresh_from_db()
    assert entity.grade == Grade.D
    assert GradeChange.objects.filter(entity=entity).count() == 0


def test_a_closed_business_cannot_be_regraded(client, clerk):
    entity = EntityFactory(status=EntityStatus.CLOSED)
    response = client.post(
        reverse("entities:regrade", args=[entity.pk]),
        {"new_grade": "C", "reason": "复核", "effective_date": TODAY},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    entity.refresh_from_db()
    assert entity.grade == Grade.D


# --- status ---------------------------------------------------------------------------------


def test_closing_a_held_business_ends_its_holding_and_writes_the_ledger(client, clerk):
    holding = AssignmentFactory()
    url = reverse("entities:status", args=[holding.entity.pk])
    assert [v for v, _l in client.get(url).context["form"].fields["status"].choices] == [
        "suspended",
        "closed",
    ]
    response = client.post(url, {"status": "closed", "reason": "注销", "effective_date": TODAY})
    assert response.status_code == 302
    holding.refresh_from_db()
    holding.entity.refresh_from_db()
    assert holding.entity.status == EntityStatus.CLOSED
    assert holding.end_date == TODAY
    adjustment = Adjustment.objects.get(entity=holding.entity)
    assert (adjustment.kind, adjustment.from_cadre, adjustment.to_cadre) == (
        AdjustmentKind.ENTITY_CLOSED,
        holding.cadre,
        None,
    )
    assert success_messages(response)


def test_suspending_and_resuming_keep_the_holder_and_are_in_the_ledger(client, clerk):
    holding = AssignmentFactory()
    url = reverse("entities:status", args=[holding.entity.pk])
    client.post(url, {"status": "suspended", "reason": "整改停业", "effective_date": TODAY})
    client.post(url, {"status": "active", "reason": "恢复营业", "effective_date": TODAY})
    holding.refresh_from_db()
    holding.entity.refresh_from_db()
    assert (holding.entity.status, holding.end_date) == (EntityStatus.ACTIVE, None)
    assert list(
        Adjustment.objects.filter(entity=holding.entity)
        .order_by("pk")
        .values_list("kind", flat=True)
    ) == [AdjustmentKind.ENTITY_STATUS, AdjustmentKind.ENTITY_STATUS]


def test_a_status_change_without_a_reason_is_refused(client, clerk):
    entity = EntityFactory()
    response = client.post(
        reverse("entities:status", args=[entity.pk]),
        {"status": "closed", "reason": " ", "effective_date": TODAY},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    entity.refresh_from_db()
    assert entity.status == EntityStatus.ACTIVE
    assert not Adjustment.objects.exists()


def test_closing_before_the_holding_began_is_refused_by_the_service(client, clerk):
    holding = AssignmentFactory(start_date=TODAY)
    response = client.post(
        reverse("entities:status", args=[holding.entity.pk]),
        {"status": "closed", "reason": "注销", "effective_date": YESTERDAY},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    holding.refresh_from_db()
    assert holding.end_date is None
    assert not Adjustment.objects.exists()


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
