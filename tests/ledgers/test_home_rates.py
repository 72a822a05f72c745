"""The office home's card of this quarter's supervision rate (季度督导率) per child division."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    VisitFactory,
    admin_user,
    cadre_login,
    county,
    office_user,
    township,
    village,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def held(division, visited: bool):
    holding = AssignmentFactory(
        entity=EntityFactory(division=division),
        start_date=timezone.localdate() - datetime.timedelta(days=200),
    )
    if visited:
        VisitFactory(assignment=holding)
    return holding


def rate_rows(text: str) -> dict:
    """{area name: (visited, due, rate)} as the card shows them."""
    card = text[text.index("supervision-rates") :]
    card = card[: card.index("</table>")]
    rows = re.findall(
        r"<tr><td>([^<]+?)(?: <span[^>]*>[^<]*</span>)?</td>\s*"
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td>\s*<td class="num">([^<]+)</td></tr>',
        card,
    )
    return {name.strip(): (int(v), int(d), rate) for name, v, d, rate in rows}


@pytest.fixture
def two_townships():
    # 环北街道: three held businesses, two visited this quarter; 川硐街道: two held, none visited;
    # one unheld business in 环北 (not due) and one visited business in 万山区 (outside the scope).
    huanbei = village()
    chuandong = village(
        code="520602002001",
        name="川硐社区",
        township_division=township(code="520602002000", name="川硐街道"),
    )
    for visited in (True, True, False):
        held(huanbei, visited)
    for visited in (False, False):
        held(chuandong, visited)
    EntityFactory(division=huanbei)
    held(wanshan_village(), True)


def test_county_home_shows_the_rate_of_each_township(client, two_townships):
    client.force_login(office_user(county()))
    rows = rate_rows(client.get(reverse("home")).text)
    assert rows == {"环北街道": (2, 3, "67%"), "川硐街道": (0, 2, "0%")}


def test_township_home_shows_its_villages(client, two_townships):
    client.force_login(office_user(township()))
    rows = rate_rows(client.get(reverse("home")).text)
    assert rows == {"金滩社区": (2, 3, "67%")}


def test_a_visit_last_quarter_does_not_count(client):
    # given a business visited only last quarter
    holding = held(village(), False)
    VisitFactory(assignment=holding, visited_at=timezone.now() - datetime.timedelta(days=100))
    client.force_login(office_user(county()))
    # then this quarter it is due and not visited
    assert rate_rows(client.get(reverse("home")).text) == {"环北街道": (0, 1, "0%")}


def test_a_township_with_nothing_due_shows_a_dash(client):
    township(code="520602002000", name="川硐街道")
    held(village(), True)
    client.force_login(office_user(county()))
    rows = rate_rows(client.get(reverse("home")).text)
    assert rows == {"环北街道": (1, 1, "100%"), "川硐街道": (0, 0, "—")}


def test_the_admin_sees_the_rates_below_the_single_top_division(client, two_townships):
    client.force_login(admin_user())
    rows = rate_rows(client.get(reverse("home")).text)
    # the province has one city (铜仁市) holding both counties
    assert rows == {"铜仁市": (3, 6, "50%")}


def test_a_cadre_home_has_no_rates_card(client):
    cadre = CadreFactory()
    client.force_login(cadre_login(cadre))
    assert "supervision-rates" not in client.get(reverse("home")).text
