"""The URL × role sweep of the public side: a foreign area's request, campaign or reporter data
is 404 for every role; every office/cadre URL of the app is in the sweep."""

import datetime

import pytest
from django.urls import get_resolver, reverse

from public.models import Campaign, PublicRequest, RequestPhoto
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    aide_user,
    cadre_login,
    county,
    office_user,
    township,
    wanshan_village,
)

pytestmark = pytest.mark.django_db

REQUEST_URLS = [
    "request-detail",
    "request-assign",
    "request-merge",
    "request-reject",
    "request-handle",
    "request-reply",
]
CAMPAIGN_URLS = ["campaign-manage", "campaign-choose", "campaign-publish"]
PUBLIC_PAGES = {
    "card",
    "qr",
    "report",
    "report-area",
    "follow-lookup",
    "follow",
    "captcha",
    "campaign",
    "nominate",
    "vote",
}
LISTS = {"requests", "campaigns", "publication", "blocks", "figures", "board"}


def test_every_url_of_the_app_is_in_the_sweep():
    names = {
        p.name
        for r in get_resolver().url_patterns
        if getattr(r, "namespace", "") == "public"
        for p in r.url_patterns
    }
    swept = set(REQUEST_URLS) | set(CAMPAIGN_URLS) | PUBLIC_PAGES | LISTS | {"request-photo"}
    assert names == swept, names ^ swept


@pytest.fixture
def foreign():
    holding = AssignmentFactory(entity=EntityFactory(division=wanshan_village()))
    request = PublicRequest.objects.create(
        code="FOREIGN1",
        division=holding.entity.division,
        entity=holding.entity,
        holder=holding.cadre,
        assigned_cadre=holding.cadre,
        category="hygiene",
        text="外区诉求",
        phone="13911112222",
    )
    photo = RequestPhoto.objects.create(request=request, image="public/x.jpg")
    today = datetime.date(2026, 12, 3)
    campaign = Campaign.objects.create(
        division=holding.entity.division.parent.parent,
        theme="外区活动",
        starts_on=today,
        ends_on=today,
    )
    return request, photo, campaign


def _roles():
    here = AssignmentFactory()
    aide = CadreAideFactory(cadre=here.cadre)
    return {
        "county_office": office_user(county()),
        "township_office": office_user(township()),
        "cadre": cadre_login(here.cadre),
        "aide": aide_user(aide),
        "other_cadre": cadre_login(CadreFactory()),
    }


def test_a_foreign_request_campaign_and_reporter_are_404_for_every_role(client, foreign):
    request, photo, campaign = foreign
    for role, user in _roles().items():
        client.force_login(user)
        for name in REQUEST_URLS:
            url = reverse(f"public:{name}", args=[request.pk])
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in (404, 405), (role, name)
                assert "13911112222" not in response.content.decode()
        url = reverse("public:request-photo", args=[request.pk, photo.pk])
        assert client.get(url).status_code == 404, role
        for name in CAMPAIGN_URLS:
            url = reverse(f"public:{name}", args=[campaign.pk])
            assert client.get(url).status_code in (404, 405), (role, name)
            assert client.post(url).status_code == 404, (role, name)
        # the lists do not show them either
        for name in ("requests", "campaigns"):
            page = client.get(reverse(f"public:{name}")).content.decode()
            assert "FOREIGN1" not in page and "外区活动" not in page, (role, name)


def test_the_public_follow_page_never_shows_the_reporters_phone(client, foreign):
    request, _photo, _campaign = foreign
    page = client.get(reverse("public:follow", args=[request.code])).content.decode()
    assert "13911112222" not in page and "外区诉求" not in page


def test_the_office_board_of_a_foreign_business_is_404(client, foreign):
    request, _photo, _campaign = foreign
    client.force_login(office_user(county()))
    assert client.get(reverse("public:board", args=[request.entity.pk])).status_code == 404
