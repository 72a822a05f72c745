"""The home page of office staff: the scope's figures at a glance, each linking into its page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.services import cadre_leave
from entities.models import EntityStatus, Grade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    cadre_user,
    county,
    office_user,
    province,
    village,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def test_office_home_counts_businesses_by_grade_and_cadres_by_level(client):
    # given in 碧江区: 2 open D, 1 suspended C, 1 closed B, 1 A; and 万山区's D
    for grade, status in [
        (Grade.D, EntityStatus.ACTIVE),
        (Grade.D, EntityStatus.ACTIVE),
        (Grade.C, EntityStatus.SUSPENDED),
        (Grade.B, EntityStatus.CLOSED),
        (Grade.A, EntityStatus.ACTIVE),
    ]:
        EntityFactory(grade=grade, status=status)
    EntityFactory(division=wanshan_village())
    CadreFactory(level=Level.COUNTY)
    CadreFactory(level=Level.VILLAGE)
    CadreFactory(level=Level.VILLAGE)
    cadre_leave(cadre=CadreFactory(level=Level.VILLAGE), reason="退休", by=None)
    CadreFactory(division=wanshan_village())
    client.force_login(office_user(county()))
    # when the county office opens its home page
    office = client.get(reverse("home")).context["office"]
    # then the open businesses per grade and the cadres in post per level are its own
    assert dict(office["grades"]) == {"A": 1, "B": 0, "C": 1, "D": 2}
    assert dict(office["levels"]) == {Level.COUNTY: 1, Level.TOWNSHIP: 0, Level.VILLAGE: 2}


def test_office_home_links_into_the_pages(client):
    EntityFactory(grade=Grade.B)
    client.force_login(office_user(county()))
    text = client.get(reverse("home")).text
    for url in (
        reverse("overview:coverage"),
        reverse("overview:balance"),
        reverse("overview:adjustments"),
        f"{reverse('entities:list')}?grade=B",
        reverse("cadres:list"),
    ):
        assert url in text


def test_coverage_gaps_are_prominent_when_there_are_any(client):
    # given one unheld business and one held by a cadre who left
    EntityFactory()
    leaver = CadreFactory(level=Level.VILLAGE)
    AssignmentFactory(cadre=leaver)
    cadre_leave(cadre=leaver, reason="调离", by=None)
    client.force_login(office_user(county()))
    response = client.get(reverse("home"))
    # then the gaps are counted and flagged
    assert response.context["office"]["coverage"]["total"] == 2
    assert "gap-banner" in response.text


def test_no_gap_banner_when_everything_is_held(client):
    AssignmentFactory()
    client.force_login(office_user(county()))
    response = client.get(reverse("home"))
    assert response.context["office"]["coverage"]["total"] == 0
    assert "gap-banner" not in response.text


def _adjust(n, division=None, start=0):
    today = timezone.localdate()
    for i in range(n):
        entity = EntityFactory(name=f"调整店{start + i:02d}", division=division or village())
        Adjustment.objects.create(
            entity=entity,
            kind=AdjustmentKind.ASSIGN,
            to_cadre=CadreFactory(level=Level.VILLAGE),
            reason="新增",
            effective_date=today - datetime.timedelta(days=100 - start - i),
        )


def test_recent_adjustments_are_the_ten_newest_in_scope(client):
    # given 12 adjustments in 碧江区 (调整店00 oldest … 调整店11 newest) and a newer one in 万山区
    _adjust(12)
    _adjust(1, division=wanshan_village(), start=50)
    client.force_login(office_user(county()))
    recent = client.get(reverse("home")).context["office"]["recent_adjustments"]
    # then the ten newest of 碧江区 are shown, newest first
    assert [a.entity.name for a in recent] == [f"调整店{i:02d}" for i in range(11, 1, -1)]


def test_home_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(office_user(county()))
    _adjust(3)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("home"))
    _adjust(27, start=3)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["office"]["recent_adjustments"]) == 10


@pytest.mark.parametrize("make_user", [lambda: office_user(province()), admin_user])
def test_the_province_and_the_admin_see_every_county(client, make_user):
    EntityFactory()
    EntityFactory(division=wanshan_village())
    client.force_login(make_user())
    office = client.get(reverse("home")).context["office"]
    assert dict(office["grades"])["D"] == 2
    assert office["coverage"]["unheld"] == 2


def test_a_cadre_keeps_the_holdings_home(client):
    holding = AssignmentFactory(entity=EntityFactory(name="干部包保的店"))
    EntityFactory(name="别人的店")
    client.force_login(cadre_user(holding.cadre))
    # a cadre's home is this quarter's task: what they hold, none of the office's figures
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(reverse("inspections:my"), 302)]
    assert "office" not in response.context
    assert "干部包保的店" in response.text
    assert reverse("overview:coverage") not in response.text
