"""What the phone needs to work with no signal: the service worker's script, a fresh CSRF token for
a form saved hours ago, the pages it may save (and under whose name), the business summary on the
form, and the issue fields a problem proposes."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from inspections.checklists import issue_category_for
from inspections.models import ChecklistArea, ChecklistItem, IssueCategory, IssueStatus, Visit
from tests.factories import (
    AssignmentFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    county,
    office_user,
)
from tests.inspections.views_phone_support import FETCH, NOW, TZ, form_url, visit_data

pytestmark = pytest.mark.django_db

MY = reverse("inspections:my")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=TZ)


@pytest.fixture
def holding():
    return AssignmentFactory(entity=EntityFactory(grade="B", name="碧江大酒店"))


def test_the_service_worker_is_served_over_the_cadres_pages_and_never_cached(client):
    # when the phone fetches the worker's script (no login needed: it holds nothing personal)
    response = client.get(reverse("inspections:service-worker"))
    # then it is JavaScript from /inspections/, whose folder is the scope of the cadre's pages
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert reverse("inspections:service-worker") == "/inspections/sw.js"
    for page in (MY, reverse("inspections:visit-new")):
        assert page.startswith("/inspections/")
    # and always asked again, so that a deploy reaches the phones
    assert "no-cache" in response["Cache-Control"]
    # and it loads the queue and saves the phone pages' static files, by their static URLs
    text = response.text
    assert 'importScripts("/static/js/queue.js")' in text
    for asset in ("css/phone.css", "js/visit.js", "js/offline.js"):
        assert f'"/static/{asset}"' in text


def test_the_token_answers_who_is_logged_in_and_a_valid_csrf_token(client, holding):
    # given no session: the phone is told to log in again, with no redirect to follow
    response = client.get(reverse("inspections:offline-token"))
    assert response.status_code == 401
    assert response.json() == {"user": None}
    # given the cadre logged in: their id and a token
    user = cadre_login(holding.cadre)
    client.force_login(user)
    answer = client.get(reverse("inspections:offline-token")).json()
    assert answer["user"] == str(user.pk)
    assert len(answer["token"]) == 64
    assert "no-store" in client.get(reverse("inspections:offline-token"))["Cache-Control"]


def test_a_form_saved_before_a_new_login_is_sent_with_a_fresh_token(holding):
    # given a form saved on the phone (its token), then a new CSRF secret (a new login rotates
    # it; here the cookie is dropped, and the next page sets a new one)
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(cadre_login(holding.cadre))
    stale = str(phone.get(form_url(holding.entity)).context["csrf_token"])
    del phone.cookies[settings.CSRF_COOKIE_NAME]
    phone.get(MY)
    data = visit_data(holding.entity)
    # when it is sent with the token it was saved with, it is refused
    refused = phone.post(form_url(holding.entity), {**data, "csrfmiddlewaretoken": stale}, **FETCH)
    assert refused.status_code == 403
    assert not Visit.objects.exists()
    # when queue.js first asks for a token and sends with it, it is recorded
    token = phone.get(reverse("inspections:offline-token")).json()["token"]
    sent = phone.post(form_url(holding.entity), {**data, "csrfmiddlewaretoken": token}, **FETCH)
    assert sent.status_code == 200 and sent.json()["ok"]
    assert Visit.objects.count() == 1


def test_the_pages_the_phone_may_save_name_their_user(client, holding):
    # given the cadre
    user = cadre_login(holding.cadre)
    client.force_login(user)
    # then the task page and the form say whose they are: the worker saves them under that user
    assert client.get(MY)["X-Baobao-User"] == str(user.pk)
    assert client.get(form_url(holding.entity))["X-Baobao-User"] == str(user.pk)
    # and a form sent back with errors is not a page to save
    refused = client.post(form_url(holding.entity), {"visited_at": ""})
    assert refused.status_code == 200
    assert "X-Baobao-User" not in refused


def test_the_cadre_pages_carry_the_badge_and_the_worker_others_do_not(client, holding):
    client.force_login(cadre_login(holding.cadre))
    text = client.get(MY).text
    assert "data-queue-badge" in text
    assert 'data-sw="/inspections/sw.js"' in text
    assert "js/queue.js" in text and "js/offline.js" in text
    # an office clerk's pages register no worker and count no queue
    client.force_login(office_user(county(), username="clerk"))
    text = client.get(reverse("inspections:visits")).text
    assert "data-sw=" not in text
    assert "data-queue-badge" not in text


def test_the_form_sums_up_the_business_last_visits_and_open_issues(client, holding):
    # given two earlier visits, an open and a closed issue, and a visit to another business
    entity = holding.entity
    older = VisitFactory(assignment=holding, visited_at=at("2026-01-05"))
    newer = VisitFactory(assignment=holding, visited_at=at("2026-03-05"))
    IssueFactory(visit=newer, category=IssueCategory.HYGIENE)
    IssueFactory(
        visit=older, category=IssueCategory.LICENCE, status=IssueStatus.CLOSED, closed_at=NOW
    )
    VisitFactory(assignment=AssignmentFactory(cadre=holding.cadre), visited_at=at("2026-02-01"))
    client.force_login(cadre_login(holding.cadre))
    # when the form is opened
    response = client.get(form_url(entity))
    # then the summary lists this business's visits, newest first, and only its open issue
    assert [v.pk for v in response.context["last_visits"]] == [newer.pk, older.pk]
    assert [i.category for i in response.context["open_issues"]] == [IssueCategory.HYGIENE]
    text = response.text
    assert text.index("2026-03-05") < text.index("2026-01-05")
    assert "2026-02-01" not in text


def test_each_check_proposes_the_category_and_text_of_its_issue(client, holding):
    client.force_login(cadre_login(holding.cadre))
    text = client.get(form_url(holding.entity)).text
    assert 'data-category="health" data-text="从业人员健康证明齐全有效"' in text
    assert 'data-category="disinfection" data-text="餐饮具清洗消毒"' in text


@pytest.mark.parametrize(
    "area, text, category",
    [
        (ChecklistArea.ROUTINE, "从业人员健康证明齐全有效", IssueCategory.HEALTH_CERTIFICATES),
        (ChecklistArea.ON_SITE, "许可证件公示", IssueCategory.LICENCE),
        (ChecklistArea.ON_SITE, "食品贮存条件符合要求", IssueCategory.STORAGE),
        (ChecklistArea.ON_SITE, "场所环境卫生整洁", IssueCategory.HYGIENE),
        (ChecklistArea.MANAGEMENT, "食品安全管理制度健全，主体责任落实", IssueCategory.MANAGEMENT),
        (ChecklistArea.ON_SITE, "食品添加剂使用规范", IssueCategory.OTHER),
    ],
)
def test_the_proposed_category_follows_the_checks_words_then_its_area(area, text, category):
    assert issue_category_for(ChecklistItem(area=area, text=text)) == category
