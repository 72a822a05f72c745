"""The public card the 公示牌's QR opens: exactly the published fields, without login."""

import datetime

import pytest
import segno
from django.urls import reverse

from baobao.models import Level
from public.models import PublicationSetting
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    cadre_user,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    holding = AssignmentFactory(
        entity=EntityFactory(grade="B", address="碧江区解放路8号"),
        cadre=CadreFactory(level=Level.COUNTY, post="副区长", unit="区政府", phone="13900000001"),
    )
    aide = CadreAideFactory(cadre=holding.cadre, name="王协保", phone="13900000002")
    visit = VisitFactory(assignment=holding, findings="内部备注：冷库温度偏高")
    IssueFactory(visit=visit, description="后厨地面油污严重")
    return holding, aide


def test_the_card_shows_the_published_fields_and_nothing_internal(client, held):
    holding, aide = held
    entity, cadre = holding.entity, holding.cadre

    response = client.get(reverse("public:card", args=[entity.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert entity.name in page and "碧江区解放路8号" in page
    assert entity.get_business_type_display() in page
    assert cadre.name in page and "副区长" in page and "区政府" in page
    assert aide.name in page
    assert "已督导" in page  # this quarter's visit
    # never: the grade, the issues, the visit's notes, unpublished phones, the licence
    assert "风险等级" not in page and f"grade-{entity.grade}" not in page
    assert "后厨地面油污严重" not in page and "冷库温度偏高" not in page
    assert cadre.phone not in page and aide.phone not in page
    assert entity.contact_phone not in page and entity.uscc not in page


def test_the_office_publishes_phones_and_its_contact_line(client, held):
    holding, aide = held
    PublicationSetting.objects.create(
        division=county(),
        show_cadre_phone=True,
        show_post=False,
        show_aides=False,
        contact_phone="0856-12345",
    )

    page = client.get(reverse("public:card", args=[holding.entity.pk])).content.decode()

    assert holding.cadre.phone in page and "0856-12345" in page
    assert "副区长" not in page and aide.name not in page


def test_the_card_names_the_quarters(client, held, settings):
    holding, _aide = held
    page = client.get(reverse("public:card", args=[holding.entity.pk])).content.decode()
    assert "季度" in page and "未督导" in page  # last quarter had no visit


def test_the_anonymous_card_is_light_and_publicly_cacheable(client, held):
    holding, _aide = held

    response = client.get(reverse("public:card", args=[holding.entity.pk]))

    assert len(response.content) < 20_000
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert "Set-Cookie" not in response.headers
    assert "<script" not in response.content.decode()


def test_the_holder_logged_in_sees_the_visit_form_link_and_no_public_cache(client, held):
    holding, _aide = held
    client.force_login(cadre_login(holding.cadre))

    response = client.get(reverse("public:card", args=[holding.entity.pk]))

    link = f"{reverse('inspections:visit-new')}?entity={holding.entity.pk}"
    assert link in response.content.decode()
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_another_cadre_logged_in_sees_no_work_link(client, held):
    holding, _aide = held
    client.force_login(cadre_user(CadreFactory()))

    page = client.get(reverse("public:card", args=[holding.entity.pk])).content.decode()

    assert "data-own-work" not in page


def test_the_office_in_scope_sees_the_business_page_link(client, held):
    holding, _aide = held
    client.force_login(office_user(county()))

    page = client.get(reverse("public:card", args=[holding.entity.pk])).content.decode()

    assert reverse("entities:detail", args=[holding.entity.pk]) in page


def test_the_card_takes_a_few_queries(client, held, django_assert_max_num_queries):
    holding, _aide = held
    with django_assert_max_num_queries(8):
        client.get(reverse("public:card", args=[holding.entity.pk]))


def test_a_closed_business_has_no_card(client):
    entity = EntityFactory(status="closed")
    assert client.get(reverse("public:card", args=[entity.pk])).status_code == 404


def test_the_qr_on_the_board_opens_the_public_card(client, held):
    holding, _aide = held
    client.force_login(office_user(county()))

    response = client.get(reverse("entities:qr", args=[holding.entity.pk]))

    url = f"http://testserver{reverse('public:card', args=[holding.entity.pk])}"
    expected = segno.make(url, error="m", micro=False)
    assert response.content.decode() == expected.svg_inline(
        scale=8, border=2, title=holding.entity.name, omitsize=False
    )


def test_the_printed_board_shows_only_published_fields(client, held):
    holding, aide = held
    client.force_login(office_user(county()))

    response = client.get(reverse("entities:board", args=[holding.entity.pk]), follow=True)

    page = response.content.decode()
    assert holding.cadre.name in page and aide.name in page
    assert holding.cadre.phone not in page and f"grade-{holding.entity.grade}" not in page
    assert reverse("public:qr", args=[holding.entity.pk]) in page


def test_the_quarters_follow_the_clock():
    from inspections.quarters import Quarter
    from public.selectors import quarter_label

    assert quarter_label(Quarter.of(datetime.date(2026, 12, 3))) == "2026年第四季度"
