"""The business and zone register pages: who may open them, and the list."""

import re

import pytest
from django.urls import reverse

from baobao.models import Level
from cadres.models import Assignment, Cadre, CadreStatus
from entities.models import BusinessType, EntityStatus, Grade
from tests.entities.views_support import TODAY, YESTERDAY, listed
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

pytestmark = pytest.mark.django_db


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
    # and the select offers "All" and the clerk's zone, chosen, and not the foreign one
    select = re.search(r'<select name="zone".*?</select>', response.text).group()
    assert select == (
        '<select name="zone" id="id_zone"><option value="">全部</option>'
        f'<option value="{zone.pk}" selected>环北美食街</option></select>'
    )
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
    # (the session; the user with their division and unread count; the zone options; the page's
    # ids, then their rows; their holders; the area chooser; the filters' own checks)
    with django_assert_max_num_queries(11) as captured:
        response = client.get(reverse("entities:list"), filters)
    assert len(listed(response)) == rows
    # and without filters it is fewer still
    with django_assert_max_num_queries(7):
        assert len(listed(client.get(reverse("entities:list")))) == rows
    # and no COUNT(*) is run to page the table
    # (the signed-in user's row holds the header's bounded unread count: baobao.auth)
    sqls = [q["sql"].upper() for q in captured.captured_queries]
    assert not any("COUNT(" in sql for sql in sqls if 'AS "UNREAD_CAPPED"' not in sql)
