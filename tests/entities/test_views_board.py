"""The information board (包保公示牌) and its QR code: who may print it, and what the code opens
(the public card; what the board shows is tested with the card in tests/public)."""

import pytest
import segno
from django.urls import reverse

from baobao.models import Level
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    cadre_user,
    county,
    office_user,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def _card_url(entity) -> str:
    return f"http://testserver{reverse('public:card', args=[entity.pk])}"


def test_board_names_the_business_its_cadre_and_aides(client):
    holding = AssignmentFactory(cadre=CadreFactory(level=Level.COUNTY, post="副区长"))
    aide = CadreAideFactory(cadre=holding.cadre, name="王协保")
    CadreAideFactory(cadre=holding.cadre, name="已离开", is_active=False)
    client.force_login(office_user(county()))

    response = client.get(reverse("entities:board", args=[holding.entity.pk]), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert holding.entity.name in page
    # the cadre's phone only when the office publishes it (tests/public/test_card.py)
    assert holding.cadre.name in page and holding.cadre.phone not in page and "副区长" in page
    assert aide.name in page and "已离开" not in page
    assert reverse("public:qr", args=[holding.entity.pk]) in page
    assert _card_url(holding.entity) in page


def test_board_of_an_unheld_business_says_so(client):
    entity = EntityFactory()
    client.force_login(office_user(county()))

    response = client.get(reverse("entities:board", args=[entity.pk]), follow=True)

    assert "正在落实" in response.content.decode()


def test_qr_code_is_svg_of_the_public_card_address(client):
    holding = AssignmentFactory()
    client.force_login(cadre_user(holding.cadre))

    response = client.get(reverse("entities:qr", args=[holding.entity.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    expected = segno.make(_card_url(holding.entity), error="m", micro=False)
    assert response.content.decode() == expected.svg_inline(
        scale=8, border=2, title=holding.entity.name, omitsize=False
    )
    other = segno.make(f"{_card_url(holding.entity)}0", error="m", micro=False)
    assert response.content.decode() != other.svg_inline(
        scale=8, border=2, title=holding.entity.name, omitsize=False
    )


@pytest.mark.parametrize("name", ["entities:board", "entities:qr"])
def test_another_countys_business_is_not_found(client, name):
    foreign = EntityFactory(division=wanshan_village())
    client.force_login(office_user(county()))

    assert client.get(reverse(name, args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize("name", ["entities:board", "entities:qr"])
def test_a_cadre_cannot_print_a_business_they_do_not_hold(client, name):
    holding = AssignmentFactory()
    client.force_login(cadre_user(CadreFactory()))

    assert client.get(reverse(name, args=[holding.entity.pk])).status_code == 404


def test_detail_page_links_to_the_board(client):
    entity = EntityFactory()
    client.force_login(office_user(county()))

    response = client.get(reverse("entities:detail", args=[entity.pk]))

    assert reverse("entities:board", args=[entity.pk]) in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    entity = EntityFactory()

    response = client.get(reverse("entities:qr", args=[entity.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
