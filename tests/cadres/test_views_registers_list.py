"""The cadre register pages: who may see and do what, and the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from cadres.models import AideKind, Assignment, Cadre, CadreAide, CadreStatus
from entities.models import Grade
from tests.cadres.views_registers_support import TODAY, url
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    aide_user,
    cadre_user,
    county,
    office_user,
    province,
    township,
    wanshan,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


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
    # (the signed-in user's row holds the header's bounded unread count: baobao.auth)
    sqls = [q["sql"].upper() for q in many.captured_queries]
    assert not [sql for sql in sqls if "COUNT(*)" in sql and 'AS "UNREAD_CAPPED"' not in sql]


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
