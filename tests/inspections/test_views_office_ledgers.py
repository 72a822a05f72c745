"""The office side of supervision: who may open the visits and issues ledgers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao.models import Level
from inspections.models import CheckResult, IssueStatus, VisitCheck
from inspections.quarters import Quarter
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    admin_user,
    county,
    crew_login,
    office_user,
    province,
)
from tests.helpers import page_queries
from tests.inspections.views_office_support import wanshan_visit

pytestmark = pytest.mark.django_db


LEDGERS = ["inspections:visits", "inspections:issues"]


# --- who may open the ledgers -----------------------------------------------------------------


@pytest.mark.parametrize("page", LEDGERS)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", LEDGERS)
@pytest.mark.parametrize("make_user", ["cadre", "assistant", "liaison"])
def test_cadres_and_their_aides_are_refused_the_ledgers(client, page, make_user):
    # given a county cadre with an assistant and a liaison
    cadre = CadreFactory(level=Level.COUNTY)
    client.force_login(crew_login(cadre, make_user))
    # then the office ledgers are not for them
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("make_user", ["county", "province", "admin"])
def test_the_visits_ledger_lists_the_scopes_visits_only(client, make_user):
    # given a visit in 碧江区 (with one problem item) and one in 万山区
    visit = VisitFactory(findings="后厨地面油污，消毒柜未通电")
    VisitCheck.objects.create(visit=visit, area="on_site", text="地面", result=CheckResult.PROBLEM)
    VisitCheck.objects.create(visit=visit, area="on_site", text="证照", result=CheckResult.PASS)
    other = wanshan_visit()
    user = {
        "county": lambda: office_user(county()),
        "province": lambda: office_user(province()),
        "admin": admin_user,
    }[make_user]()
    client.force_login(user)
    # when the ledger is opened
    response = client.get(reverse("inspections:visits"))
    # then it lists what the scope holds, linked to the visit and the business
    assert response.status_code == 200
    assert reverse("inspections:visit-detail", args=[visit.pk]) in response.text
    assert reverse("entities:detail", args=[visit.entity_id]) in response.text
    assert visit.cadre.name in response.text
    assert '<td class="num">1</td>' in response.text
    sees_wanshan = make_user != "county"
    assert (reverse("inspections:visit-detail", args=[other.pk]) in response.text) == sees_wanshan


def test_the_visits_ledger_filters_by_quarter_cadre_and_grade(client):
    # given visits this quarter and last quarter, by two cadres, on businesses of two grades
    now = timezone.now()
    this = VisitFactory()
    last = VisitFactory(
        assignment=AssignmentFactory(
            start_date=timezone.localdate() - datetime.timedelta(days=200)
        ),
        visited_at=now - datetime.timedelta(days=120),
    )
    graded = VisitFactory(assignment=AssignmentFactory(entity=EntityFactory(grade="B")))
    client.force_login(office_user(county()))
    url = reverse("inspections:visits")

    def listed(**params):
        text = client.get(url, params).text
        return {
            v.pk
            for v in (this, last, graded)
            if reverse("inspections:visit-detail", args=[v.pk]) in text
        }

    # then each filter narrows the ledger
    assert listed(quarter=str(Quarter.of(last.visited_at))) == {last.pk}
    assert listed(quarter=str(Quarter.of(this.visited_at))) == {this.pk, graded.pk}
    assert listed(cadre=this.cadre_id) == {this.pk}
    assert listed(grade="B") == {graded.pk}
    # and a malformed quarter lists nothing and says why
    response = client.get(url, {"quarter": "2026Q9"})
    assert "2026Q3" in response.text
    assert listed(quarter="2026Q9") == set()


def test_a_cadre_outside_the_scope_is_refused_as_a_filter(client):
    # given a visit in 万山区
    other = wanshan_visit()
    client.force_login(office_user(county()))
    # when the 碧江区 office filters by that cadre
    response = client.get(reverse("inspections:visits"), {"cadre": other.cadre_id})
    # then nothing is listed
    assert reverse("inspections:visit-detail", args=[other.pk]) not in response.text


def test_the_issues_ledger_shows_overdue_and_filters(client):
    # given an overdue issue, one still in time, and a closed one past its deadline
    today = timezone.localdate()
    late = IssueFactory(deadline=today - datetime.timedelta(days=3), category="licence")
    in_time = IssueFactory()
    closed = IssueFactory(
        deadline=today - datetime.timedelta(days=9),
        status=IssueStatus.CLOSED,
        closed_at=timezone.now(),
    )
    client.force_login(office_user(county()))
    url = reverse("inspections:issues")

    def listed(**params):
        text = client.get(url, params).text
        return {
            i.pk
            for i in (late, in_time, closed)
            if reverse("inspections:issue-detail", args=[i.pk]) in text
        }

    # when the ledger is opened, the overdue row is highlighted with its days overdue
    response = client.get(url)
    assert response.status_code == 200
    assert '<strong class="bad">3</strong>' in response.text
    assert response.text.count('<tr class="overdue">') == 1
    late_link = reverse("inspections:issue-detail", args=[late.pk])
    assert f'<tr class="overdue"><td><a href="{late_link}">' in response.text
    # then the filters narrow it
    assert listed() == {late.pk, in_time.pk, closed.pk}
    assert listed(overdue="yes") == {late.pk}
    assert listed(overdue="no") == {in_time.pk, closed.pk}
    assert listed(status="closed") == {closed.pk}
    assert listed(cadre=late.visit.cadre_id) == {late.pk}


def test_the_issues_ledger_leaves_out_another_county(client):
    other = IssueFactory(visit=wanshan_visit())
    mine = IssueFactory()
    client.force_login(office_user(county()))
    text = client.get(reverse("inspections:issues")).text
    assert reverse("inspections:issue-detail", args=[mine.pk]) in text
    assert reverse("inspections:issue-detail", args=[other.pk]) not in text


@pytest.mark.parametrize("page", LEDGERS)
def test_ledger_query_count_does_not_grow_with_rows(client, page):
    # given 3 visits each with an issue, then 30
    client.force_login(office_user(county()))
    for _ in range(3):
        IssueFactory()
    few = page_queries(client, reverse(page))
    for _ in range(27):
        IssueFactory()
    # then the ledger runs the same queries for 30 rows as for 3
    assert page_queries(client, reverse(page)) == few
