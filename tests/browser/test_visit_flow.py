"""The cadre's quarter on a phone, in a real browser (headless Chromium at 390×844): log a visit
with a photo and a problem that raises an issue, see the business done; the county office finds
the visit and the issue and takes the issue to closure (销号). And the weak signal: a visit sent
offline is kept on the phone and sent again once, whatever happens in between.
"""

import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from baobao.models import Level
from inspections.models import Issue, IssueStatus, Visit
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    cadre_login,
    county,
    office_user,
)

PHONE = {"width": 390, "height": 844}


def phone(browser, live_server, user):
    """A phone-sized page logged in as ``user``."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, user)
    return page


def jpeg(name: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(buffer, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def default_checklists():
    """The seeded checklists again: a transactional test before this one flushed the tables."""
    seed = importlib.import_module("inspections.migrations.0002_default_checklists").seed
    seed(django_apps, None)


@pytest.fixture
def holding(db):
    # the default checklists, and a county cadre holding a B restaurant, with an assistant
    default_checklists()
    cadre = CadreFactory(name="县干部张三", level=Level.COUNTY)
    CadreAideFactory(cadre=cadre, name="李协保")
    AssignmentFactory(cadre=cadre, entity=EntityFactory(grade="B", name="已督导的酒店"))
    return AssignmentFactory(cadre=cadre, entity=EntityFactory(grade="B", name="浏览器测试酒店"))


def task_row(page, entity):
    return page.locator("li.task", has=page.locator(f'a[data-entity="{entity.pk}"]'))


@pytest.mark.django_db(transaction=True)
def test_cadre_logs_a_visit_raising_an_issue_and_the_office_closes_it(
    live_server, browser, holding
):
    entity = holding.entity
    my_url = live_server.url + reverse("inspections:my")
    # given the cadre logged in on a phone: they land on this quarter's task
    page = phone(browser, live_server, cadre_login(holding.cadre))
    assert page.url == my_url
    expect(task_row(page, entity)).not_to_have_class("task done")

    # when they open the business's visit form from the list
    with page.expect_navigation():
        task_row(page, entity).locator("a").click()
    form = page.locator("#visit-form")
    # and mark every item as pass, then the first one as a problem
    page.click("[data-all-pass]")
    first = form.locator("fieldset.check").first
    issue = first.locator("details.raise")
    expect(issue).to_be_hidden()
    first.locator(".choice-problem").click()
    # then the item's issue part opens; they raise an issue with a photo
    expect(issue).to_be_visible()
    issue.locator("input[name$=raise_issue]").check()
    issue.locator("select[name$=category]").select_option("hygiene")
    issue.locator("select[name$=severity]").select_option("serious")
    expect(issue.locator("input[name$=deadline]")).not_to_have_value("")
    issue.locator("textarea[name$=description]").fill("后厨地面油污")
    issue.locator("input[name$=photo]").set_input_files(jpeg("issue.jpg"))
    # and tick the assistant who came along, add a visit photo, and submit
    form.locator(".choice", has_text="李协保").click()
    form.locator("input[name=photos]").set_input_files(jpeg("visit.jpg"))
    with page.expect_navigation(url=my_url):
        form.locator("[data-submit]").click()

    # then the business is done on the task page
    expect(task_row(page, entity)).to_have_class("task done")
    expect(page.locator("progress#task-progress")).to_have_attribute("value", "1")
    visit = Visit.objects.get(entity=entity)
    assert visit.companions == "李协保"
    assert visit.photos.count() == 1
    assert visit.checks.filter(result="problem").count() == 1
    raised = Issue.objects.get(visit=visit)
    assert raised.severity == "serious" and raised.photo

    # when the county office looks for it
    office = phone(browser, live_server, office_user(county(), username="clerk"))
    office.goto(live_server.url + reverse("inspections:visits"))
    expect(office.locator("table.data tbody tr", has_text=entity.name)).to_have_count(1)
    office.goto(live_server.url + reverse("inspections:issues"))
    row = office.locator("table.data tbody tr", has_text=entity.name)
    expect(row).to_have_count(1)
    with office.expect_navigation():
        row.locator(
            f'a[href="{reverse("inspections:issue-detail", args=[raised.pk])}"]'
        ).first.click()

    # then it moves the issue through rectifying, fixed (with a note) and closed
    def move(status, note=""):
        action = office.locator("form.transition", has=office.locator(f"input[value={status}]"))
        if note:
            action.locator("textarea[name=note]").fill(note)
        with office.expect_navigation():
            action.locator("button[type=submit]").click()

    move("rectifying")
    move("fixed", note="已清理地面并建立清洁制度")
    move("closed")
    raised.refresh_from_db()
    assert raised.status == IssueStatus.CLOSED
    assert list(raised.events.values_list("to_status", flat=True)) == [
        "open",
        "rectifying",
        "fixed",
        "closed",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_visit_sent_offline_is_sent_once_and_its_saved_form_makes_a_new_visit_next_time(
    live_server, browser, holding
):
    entity = holding.entity
    form_url = f"{live_server.url}{reverse('inspections:visit-new')}?entity={entity.pk}"
    page = phone(browser, live_server, cadre_login(holding.cadre))
    badge = page.locator("[data-queue-badge]")
    # given the cadre, who opened the task page on signal (the phone saved it and both forms)
    expect(page.locator("body")).to_have_attribute("data-precached", "3", timeout=30_000)
    # filling the form, with a photo and findings
    page.goto(form_url)
    key = page.locator("input[name=idempotency_key]").input_value()
    expect(page.locator("fieldset.check").first).to_be_visible()
    page.click("[data-all-pass]")
    page.fill("textarea[name=findings]", "信号弱，离线填写")
    page.locator("input[name=photos]").set_input_files(jpeg("visit.jpg"))

    # when the network is gone and they submit
    page.context.set_offline(True)
    with page.expect_navigation(url=live_server.url + reverse("inspections:my")):
        page.click("[data-submit]")
    # then the task page (the phone's copy) says one record waits, and nothing reached the server
    expect(badge).to_have_text("1")
    assert not Visit.objects.exists()

    # when the network is back, it goes by itself
    page.context.set_offline(False)
    expect(badge).to_have_text("0", timeout=10_000)
    # then exactly one visit exists, under the form's key, with what was typed and its photo
    visit = Visit.objects.get()
    assert str(visit.idempotency_key) == key
    assert visit.findings == "信号弱，离线填写"
    assert visit.photos.count() == 1
    assert visit.checks.count() == visit.checks.filter(result="pass").count() > 0

    # when, with no signal again, the phone's copy of the same form is opened for the next visit
    page.context.set_offline(True)
    page.goto(form_url)
    # then it carries a new key: this is a new visit, not a resend of the one sent
    expect(page.locator("input[name=idempotency_key]")).not_to_have_value(key)
    expect(page.locator("#restore-banner")).to_be_hidden()
    page.click("[data-all-pass]")
    with page.expect_navigation(url=live_server.url + reverse("inspections:my")):
        page.click("[data-submit]")
    page.context.set_offline(False)
    expect(badge).to_have_text("0", timeout=10_000)
    assert Visit.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_clerk_without_the_service_worker_keeps_an_offline_visit_and_resends_it_once(
    live_server, browser, holding
):
    entity = holding.entity
    form_url = f"{live_server.url}{reverse('inspections:visit-new')}?entity={entity.pk}"
    # given a county clerk typing in a paper visit (the office's pages register no worker)
    page = phone(browser, live_server, office_user(county(), username="clerk"))
    page.goto(form_url)
    key = page.locator("input[name=idempotency_key]").input_value()
    page.click("[data-all-pass]")
    page.fill("textarea[name=findings]", "纸质记录补录")
    # when the network is gone and they submit: the form stays, saying it is kept on this device
    page.context.set_offline(True)
    page.click("[data-submit]")
    expect(page.locator("#offline-banner")).to_be_visible()
    assert not Visit.objects.exists()
    # when they come back to the form later, it offers what was kept, and they send it again
    page.context.set_offline(False)
    page.goto(form_url)
    page.click("#restore-banner [data-restore]")
    expect(page.locator("textarea[name=findings]")).to_have_value("纸质记录补录")
    expect(page.locator("input[name=idempotency_key]")).to_have_value(key)
    with page.expect_navigation(url=re.compile(r"/inspections/visits/\d+/$")):
        page.click("#offline-banner [data-resend]")
    # then exactly one visit exists, under the first form's key
    assert str(Visit.objects.get().idempotency_key) == key
