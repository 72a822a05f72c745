"""你点我查: the public nominates and votes; the office turns the chosen ones into visits."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao.models import Notification
from inspections.models import Visit
from public.models import Campaign, CampaignStatus, Nomination, RequestStatus
from tests.factories import AssignmentFactory, EntityFactory, cadre_login, county, office_user
from tests.public.helpers import captcha_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    today = timezone.localdate()
    return Campaign.objects.create(
        division=county(),
        theme="校园周边餐饮 · 12月",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=10),
    )


def _nominate(client, campaign, entity, ip="10.0.0.1"):
    return client.post(
        reverse("public:nominate", args=[campaign.pk]),
        {"entity": entity.pk, "reason": "学生反映", **captcha_fields()},
        REMOTE_ADDR=ip,
    )


def _vote(client, campaign, nomination, ip):
    return client.post(
        reverse("public:vote", args=[campaign.pk]),
        {"nomination": nomination.pk, "website": ""},
        REMOTE_ADDR=ip,
    )


def test_the_office_opens_a_campaign(client):
    office = office_user(county())
    client.force_login(office)
    today = timezone.localdate()

    response = client.post(
        reverse("public:campaigns"),
        {
            "theme": "校园周边餐饮",
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=30),
        },
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.division == office.division


def test_the_public_finds_nominates_and_votes_once_a_day(client, campaign):
    held = AssignmentFactory(entity=EntityFactory(name="实验小学门口炸串店"))

    page = client.get(reverse("public:campaign", args=[campaign.pk]), {"q": "炸串"})
    assert "实验小学门口炸串店" in page.content.decode()
    assert _nominate(client, campaign, held.entity).status_code == 302
    nomination = Nomination.objects.get()
    _vote(client, campaign, nomination, "10.0.0.2")
    _vote(client, campaign, nomination, "10.0.0.2")  # the same address again today
    _vote(client, campaign, nomination, "10.0.0.1")  # the nominator already voted

    nomination.refresh_from_db()
    assert nomination.votes == 2


def test_a_business_outside_the_area_cannot_be_nominated(client, campaign):
    from tests.factories import wanshan_village

    foreign = EntityFactory(division=wanshan_village())
    response = _nominate(client, campaign, foreign)
    assert response.status_code == 400 and not Nomination.objects.exists()


def test_the_campaign_turns_votes_into_visits(client, campaign):
    top, low = AssignmentFactory(), AssignmentFactory()
    _nominate(client, campaign, top.entity, ip="10.0.0.1")
    _vote(client, campaign, Nomination.objects.get(entity=top.entity), "10.0.0.9")
    _nominate(client, campaign, low.entity, ip="10.0.0.3")
    office, holder = office_user(county()), cadre_login(top.cadre)
    client.force_login(office)

    page = client.get(reverse("public:campaign-manage", args=[campaign.pk])).content.decode()
    assert page.index(top.entity.name) < page.index(low.entity.name)  # ranked by votes
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    chosen = Nomination.objects.get(entity=top.entity)
    client.post(
        reverse("public:campaign-choose", args=[campaign.pk]),
        {"nomination": [chosen.pk], "deadline": deadline.isoformat()},
    )

    chosen.refresh_from_db()
    task = chosen.task
    assert task.status == RequestStatus.ASSIGNED and task.assigned_cadre == top.cadre
    assert Notification.objects.filter(recipient=holder).exists()
    assert Nomination.objects.get(entity=low.entity).task is None
    # the holder checks: a real visit
    client.force_login(holder)
    client.post(
        reverse("public:request-handle", args=[task.pk]),
        {
            "handling": "按群众点单检查",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "on_site": "on",
        },
    )
    assert Visit.objects.filter(entity=top.entity, cadre=top.cadre).count() == 1
    client.force_login(office)
    client.post(reverse("public:request-reply", args=[task.pk]), {"reply": "检查合格"})
    client.post(reverse("public:campaign-publish", args=[campaign.pk]), {"results": "共检查1家"})
    client.logout()

    results = client.get(reverse("public:campaign", args=[campaign.pk])).content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert "共检查1家" in results and "检查合格" in results and top.entity.name in results


def test_a_named_team_checks_instead_of_the_holders(client, campaign):
    held = AssignmentFactory()
    _nominate(client, campaign, held.entity)
    from tests.factories import CadreFactory

    team = CadreFactory(level=held.cadre.division.level, division=county())
    client.force_login(office_user(county()))

    client.post(
        reverse("public:campaign-choose", args=[campaign.pk]),
        {
            "nomination": [Nomination.objects.get().pk],
            "deadline": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "team": team.pk,
        },
    )

    assert Nomination.objects.get().task.assigned_cadre == team
