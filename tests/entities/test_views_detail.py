"""The business and zone register pages: the detail page."""

import datetime

import pytest
from django.urls import reverse

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment
from entities.models import BusinessType, EntityStatus, Grade
from tests.entities.views_support import TODAY, zone_hold
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    aide_user,
    cadre_user,
    office_user,
    province,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


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
