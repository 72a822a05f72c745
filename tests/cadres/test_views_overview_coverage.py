"""The overview pages as each role sees them: who may open them, and /coverage/ with the action each gap links to."""

import pytest
from django.urls import reverse

from baobao.models import Level
from cadres.services import assignment_create, cadre_leave, zone_assign
from entities.models import EntityStatus, Grade
from entities.services import entity_regrade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    city,
    county,
    crew_login,
    office_user,
    province,
    second_township,
    second_village,
    township,
    village,
    wanshan,
    wanshan_village,
)
from tests.helpers import page_queries

pytestmark = pytest.mark.django_db


PAGES = ["overview:coverage", "overview:balance", "overview:adjustments"]


# --- who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("make_user", ["cadre", "assistant", "liaison"])
def test_cadres_and_their_aides_are_refused(client, page, make_user):
    # given a county cadre with an assistant and a liaison, each with a login
    cadre = CadreFactory(level=Level.COUNTY)
    client.force_login(crew_login(cadre, make_user))
    # then the office's overview is not for them
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "make_user",
    [
        lambda: office_user(province()),
        lambda: office_user(city()),
        lambda: office_user(county()),
        lambda: office_user(township()),
        admin_user,
    ],
)
def test_every_office_level_and_the_admin_may_read(client, page, make_user):
    client.force_login(make_user())
    assert client.get(reverse(page)).status_code == 200


# --- coverage ---------------------------------------------------------------------------------


@pytest.fixture
def gaps():
    """One business of each coverage case in 碧江区, and gaps in 万山区 that must not show."""
    unheld = EntityFactory(name="无人包保小卖部")
    held = AssignmentFactory(entity=EntityFactory(name="正常包保超市"))
    EntityFactory(name="已注销小吃店", status=EntityStatus.CLOSED)
    leaver = CadreFactory(name="离岗干部甲", level=Level.VILLAGE)
    AssignmentFactory(cadre=leaver, entity=EntityFactory(name="离岗者的店"))
    cadre_leave(cadre=leaver, reason="调离", by=None)
    regraded = AssignmentFactory(entity=EntityFactory(name="升级餐馆"))
    entity_regrade(entity=regraded.entity, new_grade=Grade.C, reason="规模扩大", by=None)
    EntityFactory(name="万山无人店", division=wanshan_village())
    far_leaver = CadreFactory(name="万山离岗干部", division=wanshan_village())
    AssignmentFactory(cadre=far_leaver, entity=EntityFactory(division=wanshan_village()))
    cadre_leave(cadre=far_leaver, reason="调离", by=None)
    return {"unheld": unheld, "held": held, "leaver": leaver, "regraded": regraded}


def test_coverage_lists_each_gap_with_its_fix(client, gaps):
    # given the county office of 碧江区
    client.force_login(office_user(county()))
    # when it opens the coverage page
    response = client.get(reverse("overview:coverage"))
    text = response.text
    # then the unheld business links to the assign page
    assert "无人包保小卖部" in text
    assert f"{reverse('holdings:assign')}?entity={gaps['unheld'].pk}" in text
    # the cadre who left links to the bulk transfer of their holdings and to their page
    assert "离岗干部甲" in text
    assert f"{reverse('holdings:bulk-transfer')}?cadre={gaps['leaver'].pk}" in text
    assert reverse("cadres:detail", args=[gaps["leaver"].pk]) in text
    # the regraded holding links to its transfer
    assert "升级餐馆" in text
    assert reverse("holdings:transfer", args=[gaps["regraded"].pk]) in text
    # and nothing else: held, closed and 万山区's rows are absent
    for absent in ("正常包保超市", "已注销小吃店", "万山无人店", "万山离岗干部"):
        assert absent not in text
    counts = response.context["counts"]
    assert (counts["unheld"], counts["held_by_left"], counts["below_level"]) == (1, 1, 1)


def test_a_read_only_office_sees_the_gaps_without_actions(client, gaps):
    # given the province office, which only reads
    client.force_login(office_user(province()))
    response = client.get(reverse("overview:coverage"))
    # then it sees the gaps of the whole province, but no action links
    assert "无人包保小卖部" in response.text and "万山无人店" in response.text
    assert reverse("holdings:assign") not in response.text
    assert reverse("holdings:bulk-transfer") not in response.text
    assert reverse("holdings:transfer", args=[gaps["regraded"].pk]) not in response.text


def test_a_township_office_sees_its_township_only(client, gaps):
    EntityFactory(name="川硐无人店", division=second_village())
    client.force_login(office_user(second_township()))
    text = client.get(reverse("overview:coverage")).text
    assert "川硐无人店" in text
    assert "无人包保小卖部" not in text


def test_coverage_filters_by_grade_and_area(client, gaps):
    EntityFactory(name="川硐无人店", division=second_village())
    client.force_login(office_user(county()))
    # grade C: only the regraded holding (now C) remains
    text = client.get(reverse("overview:coverage"), {"grade": "C"}).text
    assert "升级餐馆" in text
    assert "无人包保小卖部" not in text and "川硐无人店" not in text
    # area 川硐街道: only its unheld business
    text = client.get(reverse("overview:coverage"), {"division": second_township().pk}).text
    assert "川硐无人店" in text
    assert "无人包保小卖部" not in text and "升级餐馆" not in text


def test_a_forged_area_outside_the_scope_shows_nothing_of_it(client, gaps):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:coverage"), {"division": wanshan().pk})
    assert response.status_code == 200
    assert "万山无人店" not in response.text
    assert "无人包保小卖部" in response.text  # ignored: the whole scope is shown


def test_a_forged_grade_lists_nothing_and_says_why(client, gaps):
    client.force_login(office_user(county()))
    response = client.get(reverse("overview:coverage"), {"grade": "Z"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "无人包保小卖部" not in response.text


def test_a_zone_held_below_level_links_to_the_zone_transfer(client):
    # given a zone held by a village cadre, with a D business in it later regraded to C
    user = office_user(county())
    zone = ZoneFactory(division=village())
    entity = EntityFactory(name="片区内升级店", zone=zone)
    zone_holding = zone_assign(
        zone=zone, cadre=CadreFactory(level=Level.VILLAGE), reason="分片", by=user
    )
    entity_regrade(entity=entity, new_grade=Grade.C, reason="规模扩大", by=user)
    client.force_login(user)
    # when the coverage page is opened
    text = client.get(reverse("overview:coverage")).text
    # then the fix is to hand the zone on
    assert "片区内升级店" in text
    assert reverse("holdings:zone-transfer", args=[zone_holding.pk]) in text


def test_a_leaver_of_a_higher_office_is_listed_without_their_page(client):
    # given a city cadre who left holding an A business in 碧江区
    leaver = CadreFactory(name="市级离岗干部", level=Level.CITY)
    AssignmentFactory(cadre=leaver, entity=EntityFactory(grade=Grade.A))
    cadre_leave(cadre=leaver, reason="调离", by=None)
    client.force_login(office_user(county()))
    text = client.get(reverse("overview:coverage")).text
    # then the county sees the gap, but no link to a page it may not open
    assert "市级离岗干部" in text
    assert reverse("cadres:detail", args=[leaver.pk]) not in text
    assert f"{reverse('holdings:bulk-transfer')}?cadre={leaver.pk}" not in text


def test_an_assigned_business_leaves_the_coverage_page(client, gaps):
    user = office_user(county())
    client.force_login(user)
    assignment_create(
        entity=gaps["unheld"], cadre=CadreFactory(level=Level.VILLAGE), by=user, reason="新增"
    )
    assert "无人包保小卖部" not in client.get(reverse("overview:coverage")).text


def _gaps_of_each_kind(n):
    for _ in range(n):
        EntityFactory()
        leaver = CadreFactory(level=Level.VILLAGE)
        AssignmentFactory(cadre=leaver)
        cadre_leave(cadre=leaver, reason="调离", by=None)
        holding = AssignmentFactory()
        entity_regrade(entity=holding.entity, new_grade=Grade.C, reason="升级", by=None)


def test_coverage_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    # given 3 gaps of each kind
    client.force_login(office_user(county()))
    _gaps_of_each_kind(3)
    url = reverse("overview:coverage")
    few = page_queries(client, url)
    # when there are 30 of each
    _gaps_of_each_kind(27)
    # then the page runs no more queries
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["unheld_table"].paginated_rows) == 25
