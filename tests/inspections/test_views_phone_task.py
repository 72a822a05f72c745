"""The cadre's phone pages: this quarter's task at /inspections/my/ and opening the visit form, with every refusal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao.models import Level
from inspections.checklists import checklist_for
from inspections.models import CheckResult, IssueStatus, Visit
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    admin_user,
    aide_user,
    cadre_login,
    county,
    office_user,
    province,
    wanshan_village,
)
from tests.inspections import views_phone_support
from tests.inspections.views_phone_support import MY, NOW, TZ, form_url, frozen_time  # noqa: F401 (frozen_time is autouse)

pytestmark = pytest.mark.django_db

# The phone pages' own holding fixture; the directory's conftest.py has another one.
holding = views_phone_support.holding


def captured(client, url) -> list[dict]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return ctx.captured_queries


# --- the cadre's task page ----------------------------------------------------------------------


@pytest.mark.parametrize("page", [MY, reverse("inspections:visit-new")])
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("make_user", [lambda: office_user(county()), admin_user])
def test_office_users_are_refused_the_cadres_task_page(client, make_user):
    # given an office user (they have the home page and the ledgers)
    client.force_login(make_user())
    # when they open the cadre's task page, then it is not theirs
    assert client.get(MY).status_code == 403


@pytest.mark.parametrize("kind", ["cadre", "assistant", "liaison"])
def test_the_cadre_side_lands_on_the_task_page_from_home(client, holding, kind):
    # given the cadre or one of their aides
    user = {
        "cadre": lambda: cadre_login(holding.cadre),
        "assistant": lambda: aide_user(holding.cadre.aides.get(kind="assistant")),
        "liaison": lambda: aide_user(holding.cadre.aides.get(kind="liaison")),
    }[kind]()
    client.force_login(user)
    # when they open home (where the login sends everyone)
    response = client.get(reverse("home"))
    # then they are sent on to this quarter's task, which lists the cadre's business
    assert response.status_code == 302
    assert response["Location"] == MY
    page = client.get(MY)
    assert page.status_code == 200
    assert holding.entity.name in page.text
    assert holding.cadre.name in page.text


def test_office_home_is_not_redirected(client):
    client.force_login(office_user(county()))
    assert client.get(reverse("home")).status_code == 200


def test_the_task_lists_not_visited_first_with_progress_and_days_left(client):
    # given a cadre holding three businesses, one visited this quarter and one only last quarter
    cadre = CadreFactory(level=Level.VILLAGE)
    start = datetime.date(2025, 12, 1)
    visited = AssignmentFactory(cadre=cadre, entity=EntityFactory(name="甲店"), start_date=start)
    last_quarter = AssignmentFactory(
        cadre=cadre, entity=EntityFactory(name="乙店"), start_date=start
    )
    AssignmentFactory(cadre=cadre, entity=EntityFactory(name="丙店"), start_date=start)
    VisitFactory(assignment=visited, visited_at=NOW - datetime.timedelta(days=3))
    VisitFactory(assignment=last_quarter, visited_at=datetime.datetime(2026, 3, 10, 9, tzinfo=TZ))
    AssignmentFactory(entity=EntityFactory(name="别人的店"))
    client.force_login(cadre_login(cadre))
    # when the cadre opens the task page
    response = client.get(MY)
    # then not-visited come first (by name), the visited one last with its mark
    names = [e.name for e in response.context["entities"]]
    assert names == ["丙店", "乙店", "甲店"]
    assert "别人的店" not in response.text
    assert (response.context["done"], response.context["due"]) == (1, 3)
    assert response.context["days_left"] == 42
    assert '<progress id="task-progress" class="task-progress" value="1" max="3">' in response.text
    assert response.text.count("done-mark") == 1
    assert "2026-03-10" in response.text  # 乙店's last visit, from last quarter
    # and each is one tap from its visit form
    for assignment in (visited, last_quarter):
        assert f'href="{form_url(assignment.entity)}"' in response.text


def test_the_task_page_is_a_constant_number_of_queries(client):
    # given a cadre with one due business
    cadre = CadreFactory(level=Level.VILLAGE)
    holdings = [AssignmentFactory(cadre=cadre)]
    client.force_login(cadre_login(cadre))
    few = captured(client, MY)
    # when they hold 30, ten of them visited with an open issue
    holdings += [AssignmentFactory(cadre=cadre) for _ in range(29)]
    for holding in holdings[:10]:
        IssueFactory(visit=VisitFactory(assignment=holding))
    many = captured(client, MY)
    # then the page costs the same: one query for the whole due list, one for the issues
    assert len(many) == len(few) <= 6
    assert len([q for q in many if 'FROM "entities_entity"' in q["sql"]]) == 1
    assert len([q for q in many if 'FROM "inspections_issue"' in q["sql"]]) == 1
    assert client.get(MY).text.count("/inspections/issues/") == 10


def test_the_task_page_lists_open_issues_with_the_overdue_marked(client, holding):
    # given an overdue open issue, a current one and a closed one on the cadre's business
    visit = VisitFactory(assignment=holding)
    overdue = IssueFactory(visit=visit, deadline=datetime.date(2026, 5, 1))
    current = IssueFactory(visit=visit, category="licence")
    closed = IssueFactory(visit=visit, status=IssueStatus.CLOSED, closed_at=NOW)
    client.force_login(cadre_login(holding.cadre))
    # when the cadre opens the task page
    text = client.get(MY).text
    # then the open ones are there, the overdue one marked, the closed one not
    assert reverse("inspections:issue-report", args=[overdue.pk]) in text
    assert reverse("inspections:issue-report", args=[current.pk]) in text
    assert reverse("inspections:issue-report", args=[closed.pk]) not in text
    assert text.count('class="task overdue"') == 1


# --- the visit form: opening it --------------------------------------------------------------


def test_the_form_shows_the_checklist_companions_and_a_fresh_key(client, holding):
    # given the cadre
    client.force_login(cadre_login(holding.cadre))
    # when the form is opened for their business (session, user, entity, aides, templates, items,
    # the business's last visits and open issues, the office's deadline policy, whatever the
    # page header counts, and the business's self-management evidence: its last visit's day, one
    # aggregate of its records, the office's record policy, the year's holiday table)
    queries = captured(client, form_url(holding.entity))
    assert len(queries) <= 14
    assert len([q for q in queries if 'FROM "inspections_checklistitem"' in q["sql"]]) == 1
    response = client.get(form_url(holding.entity))
    # then every item of the business's checklist is there with its three choices, none chosen
    assert response.status_code == 200
    items = list(checklist_for(holding.entity).items.all())
    assert items
    for item in items:
        assert item.text in response.text
        for result in CheckResult.values:
            assert f'name="check-{item.pk}-result" value="{result}"' in response.text
    assert "checked" not in response.text.split('name="check-')[1].split(">")[0]
    # and the aides to tick, a camera input, the hidden location and a key
    assert "李协保" in response.text and "王联络" in response.text
    assert 'capture="environment"' in response.text and "multiple" in response.text
    assert 'name="latitude"' in response.text
    key = response.context["parts"].visit.initial["idempotency_key"]
    assert f'value="{key}"' in response.text
    assert response.context["parts"].visit.initial["visited_at"].hour == 10
    # and a second opening is a second form
    again = client.get(form_url(holding.entity)).context["parts"].visit.initial
    assert again["idempotency_key"] != key


@pytest.mark.parametrize("entity_param", ["other_cadre", "other_county", "missing", "text"])
def test_a_business_out_of_reach_is_404(client, holding, entity_param):
    # given the cadre and businesses that are not theirs
    client.force_login(cadre_login(holding.cadre))
    value = {
        "other_cadre": lambda: AssignmentFactory().entity_id,
        "other_county": lambda: EntityFactory(division=wanshan_village()).pk,
        "missing": lambda: 999999,
        "text": lambda: "1;drop",
    }[entity_param]()
    url = f"{reverse('inspections:visit-new')}?entity={value}"
    # then neither the form nor a post reaches them
    assert client.get(url).status_code == 404
    assert client.post(url, {"on_site": "yes"}).status_code == 404
    assert not Visit.objects.exists()


def test_the_province_office_cannot_log_visits(client, holding):
    client.force_login(office_user(province()))
    assert client.get(form_url(holding.entity)).status_code == 403
