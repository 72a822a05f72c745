"""The cadre register pages: list, detail, create, edit, aides, and a cadre leaving."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from cadres.services import zone_assign
from entities.models import Grade
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
    new_mobile,
    office_user,
    province,
    township,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import assert_handed_over, current, ledger, success_messages

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def url(name, *args):
    return reverse(f"cadres:{name}", args=args)


def rows(response) -> list[str]:
    """The names of the cadres the list page shows, in order."""
    return [row.record.name for row in response.context["table"].paginated_rows]


# --- who may see and do what ---------------------------------------------------------------


def _pages(cadre, aide):
    """Every page of the register, with the method it is used with."""
    return [
        ("get", url("list")),
        ("get", url("detail", cadre.pk)),
        ("get", url("create")),
        ("get", url("edit", cadre.pk) + f"?division={cadre.division_id}"),
        ("get", url("leave", cadre.pk)),
        ("get", url("aide-add", cadre.pk)),
        ("post", url("aide-remove", aide.pk)),
    ]


def test_anonymous_is_sent_to_login_from_every_page(client):
    aide = CadreAideFactory()
    for method, path in _pages(aide.cadre, aide):
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login")), path


@pytest.mark.parametrize("role", ["cadre", "assistant", "liaison"])
def test_cadres_and_their_aides_get_403_everywhere(client, role):
    # given a county cadre with an assistant and a liaison, each with a login
    aide = CadreAideFactory()
    liaison = CadreAideFactory(cadre=aide.cadre, kind=AideKind.LIAISON)
    user = {
        "cadre": lambda: cadre_user(aide.cadre),
        "assistant": lambda: aide_user(aide),
        "liaison": lambda: aide_user(liaison),
    }[role]()
    client.force_login(user)
    # then every register page, even their own cadre's, is refused
    for method, path in _pages(aide.cadre, aide):
        assert getattr(client, method)(path).status_code == 403, path
    assert CadreAide.objects.get(pk=aide.pk).is_active


def test_the_province_office_reads_but_may_not_write(client):
    # given the province office and a cadre in one of its counties
    aide = CadreAideFactory()
    client.force_login(office_user(province()))
    # then the list and the cadre's page open, without write actions
    assert aide.cadre.name in rows(client.get(url("list")))
    detail = client.get(url("detail", aide.cadre.pk))
    assert detail.status_code == 200
    assert url("edit", aide.cadre.pk) not in detail.text
    assert url("leave", aide.cadre.pk) not in detail.text
    # and every write page is refused
    for method, path in _pages(aide.cadre, aide)[2:]:
        assert getattr(client, method)(path).status_code == 403, path


def test_a_cadre_of_another_county_is_404_on_every_page(client, clerk):
    # given a cadre of 万山区 with an assistant
    aide = CadreAideFactory(cadre=CadreFactory(division=wanshan()))
    cadre = aide.cadre
    # then the 碧江区 clerk finds none of their pages
    for path in (
        url("detail", cadre.pk),
        url("edit", cadre.pk),
        url("edit", cadre.pk) + f"?division={cadre.division_id}",
        url("leave", cadre.pk),
        url("aide-add", cadre.pk),
        url("detail", 10**9),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url("aide-remove", aide.pk)).status_code == 404
    assert client.post(url("leave", cadre.pk), {"reason": "x", "mode": "none"}).status_code == 404
    # and nothing changed
    assert CadreAide.objects.get(pk=aide.pk).is_active
    assert Cadre.objects.get(pk=cadre.pk).status == CadreStatus.ACTIVE


def test_the_system_admin_sees_every_county(client):
    here, there = CadreFactory(division=county()), CadreFactory(division=wanshan())
    client.force_login(admin_user())
    assert set(rows(client.get(url("list")))) >= {here.name, there.name}
    assert client.get(url("detail", there.pk)).status_code == 200


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_scope_with_loads_aides_and_letters(client, clerk):
    # given a county cadre with two holdings, an assistant, a liaison and a signed letter,
    # an idle township cadre, a cadre who left, and a cadre of another county
    busy = CadreFactory(level=Level.COUNTY, name="甲干部", commitment_signed_on=TODAY())
    for _ in range(2):
        AssignmentFactory(cadre=busy, entity=EntityFactory(grade=Grade.B))
    ended = AssignmentFactory(cadre=busy, entity=EntityFactory(grade=Grade.B))
    Assignment.objects.filter(pk=ended.pk).update(end_date=TODAY())
    CadreAideFactory(cadre=busy, name="协保甲")
    CadreAideFactory(cadre=busy, kind=AideKind.LIAISON, name="联络乙")
    CadreAideFactory(cadre=busy, name="离任丙", is_active=False)
    idle = CadreFactory(level=Level.TOWNSHIP, name="乙干部")
    CadreFactory(division=wanshan(), name="外县干部")
    # when the clerk opens the register
    response = client.get(url("list"))
    # then only their county's cadres are listed, with current holdings counted
    assert response.status_code == 200
    assert rows(response) == ["乙干部", "甲干部"]
    records = {row.record.name: row.record for row in response.context["table"].paginated_rows}
    assert records["甲干部"].held == 2
    assert records["乙干部"].held == 0
    assert [a.name for a in records["甲干部"].active_aides] == ["协保甲", "联络乙"]
    assert "协保甲" in response.text and "联络乙" in response.text
    assert "离任丙" not in response.text
    assert TODAY().isoformat() in response.text
    assert reverse("cadres:detail", args=[idle.pk]) in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "王"}, {"王一", "王二"}),
        ({"q": "二"}, {"王二"}),
        ({"q": "13900"}, {"王一"}),
        ({"level": Level.TOWNSHIP}, {"王二", "李三"}),
        ({"status": CadreStatus.LEFT}, {"李三"}),
        ({"commitment": "yes"}, {"王一"}),
        ({"commitment": "no"}, {"王二", "李三", "赵四"}),
        ({"load": "idle"}, {"王二", "李三"}),
        ({"load": "holding"}, {"王一", "赵四"}),
        ({"level": Level.TOWNSHIP, "status": CadreStatus.ACTIVE}, {"王二"}),
    ],
)
def test_the_filters(client, clerk, query, expected):
    # given four cadres in the county
    first = CadreFactory(
        level=Level.COUNTY, name="王一", phone="13900000001", commitment_signed_on=TODAY()
    )
    CadreFactory(level=Level.TOWNSHIP, name="王二", phone="13811110000")
    CadreFactory(
        level=Level.TOWNSHIP,
        name="李三",
        status=CadreStatus.LEFT,
        left_on=TODAY(),
        phone="13700000000",
    )
    fourth = CadreFactory(level=Level.VILLAGE, name="赵四", phone="13600000000")
    AssignmentFactory(cadre=first, entity=EntityFactory(grade=Grade.B))
    AssignmentFactory(cadre=fourth)
    # when the clerk filters
    response = client.get(url("list"), query)
    # then the list shows exactly the matching cadres
    assert set(rows(response)) == expected


def test_the_area_chooser_narrows_to_a_subtree_and_ignores_areas_outside_the_scope(client):
    # given the county clerk, a cadre in a village, one at county level and one elsewhere
    client.force_login(office_user(county()))
    in_village = CadreFactory(level=Level.VILLAGE, name="村干部")
    CadreFactory(level=Level.COUNTY, name="县干部")
    CadreFactory(division=wanshan_village(), name="外县村干部")
    # when they choose the township
    chosen = client.get(url("list"), {"division": township().pk})
    # then only what lies below it shows
    assert rows(chosen) == [in_village.name]
    # and another county's division is ignored: the whole scope shows, nothing foreign
    foreign = client.get(url("list"), {"division": wanshan().pk})
    assert set(rows(foreign)) == {"村干部", "县干部"}


def test_the_level_filter_offers_only_the_levels_inside_the_scope(client, clerk):
    form = client.get(url("list")).context["filter"].form
    assert [value for value, _ in form.fields["level"].choices if value] == [
        Level.COUNTY,
        Level.TOWNSHIP,
        Level.VILLAGE,
    ]


def test_the_list_can_be_sorted_by_load(client, clerk):
    light, heavy = CadreFactory(name="轻"), CadreFactory(name="重")
    AssignmentFactory(cadre=light)
    for _ in range(3):
        AssignmentFactory(cadre=heavy)
    assert rows(client.get(url("list"), {"sort": "-held"})) == ["重", "轻"]
    assert rows(client.get(url("list"), {"sort": "held"})) == ["轻", "重"]


def _cadres_with_everything(n):
    for _ in range(n):
        cadre = CadreFactory(level=Level.COUNTY)
        AssignmentFactory(cadre=cadre, entity=EntityFactory(grade=Grade.B))
        CadreAideFactory(cadre=cadre)
        CadreAideFactory(cadre=cadre, kind=AideKind.LIAISON)


def test_the_list_runs_the_same_queries_for_3_rows_as_for_30(client, clerk):
    # given 3 cadres with holdings and aides, and the queries the page takes for them
    _cadres_with_everything(3)
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get(url("list")))) == 3
    # when there are 30
    _cadres_with_everything(27)
    # then the page takes no more queries
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get(url("list")))) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= 9  # seek paging: the page's ids, then their rows
    # and never counts the whole table
    assert not [q for q in many.captured_queries if "COUNT(*)" in q["sql"].upper()]


def test_the_list_pages_without_counting(client, clerk, settings):
    # given more cadres than a page holds
    for n in range(52):
        CadreFactory(name=f"干部{n:03d}")
    # then the first page has 50 and a next page link; the second has the rest
    first = client.get(url("list"))
    assert len(rows(first)) == 50
    after = first.context["table"].pager.next
    assert "after=" in after and "after=" in first.text
    assert len(rows(client.get(url("list") + after))) == 2


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


def cadre_post(division, **overrides):
    data = {
        "name": "新干部",
        "phone": new_mobile(),
        "unit": "区市场监管局",
        "post": "局长",
        "commitment_signed_on": "",
        "division": division.pk,
    }
    for prefix in ("assistant1", "assistant2", "liaison"):
        for field in ("name", "phone", "unit", "post"):
            data[f"{prefix}-{field}"] = ""
    data.update(overrides)
    return data


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
