"""The cadre's phone with no signal, in a real browser (headless Chromium at 390×844): once the
task page was opened on signal, the forms open from the phone's copy, visits submitted offline wait
on the phone (a reload loses none) and go by themselves when the signal returns, exactly once each;
logging out leaves nothing of the cadre's pages on the phone.
"""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from inspections.models import Issue, IssueEvent, IssueStatus, Visit
from tests.browser.test_phone_3g import camera_photo
from tests.browser.test_visit_flow import default_checklists, jpeg, phone, task_row
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
)

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')


@pytest.fixture
def cadre(db):
    # the default checklists and a cadre holding two restaurants and a shop
    default_checklists()
    cadre = CadreFactory(name="县干部王五")
    for name, kind in (
        ("山村饭店", "catering"),
        ("地下食堂", "catering"),
        ("集市小卖部", "food_sales"),
    ):
        AssignmentFactory(
            cadre=cadre, entity=EntityFactory(grade="B", name=name, business_type=kind)
        )
    return cadre


def held(cadre):
    return [a.entity for a in cadre.assignments.order_by("id")]


def saved_pages(page) -> list[str]:
    """The URLs the service worker keeps for the logged-in user (all ``baobao-pages-*`` caches)."""
    return page.evaluate(
        """async () => {
            const urls = [];
            for (const key of await caches.keys()) {
                if (key.startsWith("baobao-pages-")) {
                    for (const request of await (await caches.open(key)).keys()) {
                        urls.push(new URL(request.url).pathname + new URL(request.url).search);
                    }
                }
            }
            return urls;
        }"""
    )


def saved_key(page, url: str) -> str:
    """The idempotency key in the phone's copy of a form."""
    html = page.evaluate("async (url) => (await caches.match(url, {ignoreVary: true})).text()", url)
    return KEY.search(html).group(1)


def on_the_phone(browser, live_server, cadre):
    """Logged in on signal, on the task page, with every form saved on the phone."""
    page = phone(browser, live_server, cadre_login(cadre))
    assert page.url == live_server.url + reverse("inspections:my")
    # the page and the 3 forms (a string wait_for_function would need eval, which the CSP forbids)
    expect(page.locator("body")).to_have_attribute("data-precached", "4", timeout=30_000)
    return page


def form_url(entity) -> str:
    return f"{reverse('inspections:visit-new')}?entity={entity.pk}"


def log_a_visit_offline(page, entity, *, issue: bool, photo=None):
    """From the task page: open the business, mark every item as pass (the first as a problem
    raising an issue), add a photo, submit; the phone keeps it and goes back to the task page."""
    with page.expect_navigation():
        task_row(page, entity).locator("a").click()
    form = page.locator("#visit-form")
    page.click("[data-all-pass]")
    if issue:
        first = form.locator("fieldset.check").first
        first.locator(".choice-problem").click()
        raised = first.locator("details.raise")
        # then 提出问题 is ticked, its category, description and deadline proposed
        expect(raised.locator("input[name$=raise_issue]")).to_be_checked()
        expect(raised.locator("select[name$=category]")).not_to_have_value("")
        expect(raised.locator("textarea[name$=description]")).not_to_have_value("")
        expect(raised.locator("input[name$=deadline]")).not_to_have_value("")
    form.locator("input[name=photos]").set_input_files(photo or jpeg("visit.jpg"))
    with page.expect_navigation(url=re.compile(re.escape(reverse("inspections:my")) + "$")):
        form.locator("[data-submit]").click()


@pytest.mark.django_db(transaction=True)
def test_visits_made_with_no_signal_are_sent_by_themselves_exactly_once(
    live_server, browser, cadre
):
    first, second, _third = held(cadre)
    # given the cadre opened 我的任务 on signal: the page and every held business's form are saved
    page = on_the_phone(browser, live_server, cadre)
    assert set(saved_pages(page)) == {reverse("inspections:my")} | {
        form_url(e) for e in held(cadre)
    }
    key = saved_key(page, form_url(first))
    badge = page.locator("[data-queue-badge]")

    # when the signal goes and they open a business from the task page
    page.context.set_offline(True)
    # then the form opens from the phone's copy (its key is the saved one), saying how old it is
    with page.expect_navigation():
        task_row(page, first).locator("a").click()
    expect(page.locator("input[name=idempotency_key]")).to_have_value(key)
    expect(page.locator("[data-fetched-at]")).to_be_visible()
    page.go_back()

    # when they log a visit with a photo and an issue, and a second visit, still with no signal
    log_a_visit_offline(page, first, issue=True)
    expect(badge).to_have_text("1")
    expect(page.locator("[data-queue-notice]")).to_contain_text(first.name)
    log_a_visit_offline(page, second, issue=False)
    # then both wait on the phone, counted by the badge and listed on the task page
    expect(badge).to_have_text("2")
    expect(page.locator("#pending-sends [data-pending-list] li")).to_have_count(2)
    assert not Visit.objects.exists()

    # when the signal returns, and nobody taps anything
    page.context.set_offline(False)
    back_at = time.monotonic()
    # then within 10 s both visits are on the server and the badge says 0
    expect(badge).to_have_text("0", timeout=10_000)
    expect(page.locator("#pending-sends")).to_be_hidden()
    took = time.monotonic() - back_at
    assert took < 10, took
    # exactly once each, the first with its saved form's key, its photo and its issue
    assert Visit.objects.count() == 2
    one = Visit.objects.get(entity=first)
    assert str(one.idempotency_key) == key
    assert one.photos.count() == 1
    assert Issue.objects.get(visit=one).description
    assert Visit.objects.get(entity=second).photos.count() == 1
    assert not Issue.objects.filter(visit__entity=second).exists()

    # and the next timer tick, a reload or a resend of the same key makes no second visit
    page.reload()
    expect(badge).to_have_text("0")
    page.wait_for_timeout(1000)
    assert Visit.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_queued_visits_survive_a_reload_with_no_signal(live_server, browser, cadre):
    first, second, _third = held(cadre)
    page = on_the_phone(browser, live_server, cadre)
    # given two visits logged with no signal
    page.context.set_offline(True)
    log_a_visit_offline(page, first, issue=True)
    log_a_visit_offline(page, second, issue=False)
    expect(page.locator("[data-queue-badge]")).to_have_text("2")

    # when the page is reloaded, still with no signal
    page.reload()
    # then the task page opens from the phone's copy and both visits are still waiting
    expect(page.locator("[data-queue-badge]")).to_have_text("2")
    waiting = page.locator("#pending-sends [data-pending-list] li")
    expect(waiting).to_have_count(2)
    expect(waiting.first).to_contain_text(first.name)
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_logging_out_clears_what_the_phone_saved(live_server, browser, cadre):
    first = held(cadre)[0]
    # given the cadre's pages saved on the phone, and a draft typed into a form
    page = on_the_phone(browser, live_server, cadre)
    assert saved_pages(page)
    with page.expect_navigation():
        task_row(page, first).locator("a").click()
    page.fill("textarea[name=findings]", "草稿")
    drafts = "async () => (await BaobaoQueue.all()).filter((r) => r.state === 'draft').length"
    for _ in range(50):
        if page.evaluate(drafts):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(drafts) == 1

    # when they log out
    with page.expect_navigation(url=re.compile(re.escape(reverse("login")))):
        page.locator("form[data-logout] button").click()

    # then no saved page and no record of theirs is left on the phone
    assert saved_pages(page) == []
    records = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("baobao-visits");
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains("forms")) { resolve(0); return; }
                const count = db.transaction("forms").objectStore("forms").count();
                count.onsuccess = () => resolve(count.result);
            };
        })"""
    )
    assert records == 0
    # and with no signal the task page is not there to open
    page.context.set_offline(True)
    page.goto(page.url.split("/accounts/")[0] + reverse("inspections:my"))
    expect(page.locator("body")).not_to_contain_text(first.name)


@pytest.mark.django_db(transaction=True)
def test_a_day_in_the_mountains_ten_visits_with_photos_wait_and_go(live_server, browser, cadre):
    # given a cadre holding ten businesses, who opened the task page on signal
    for n in range(7):
        AssignmentFactory(cadre=cadre, entity=EntityFactory(grade="B", name=f"山区饭店{n}"))
    page = phone(browser, live_server, cadre_login(cadre))
    expect(page.locator("body")).to_have_attribute("data-precached", "11", timeout=60_000)
    # when they log ten visits, each with a camera-sized photo, with no signal all day
    page.context.set_offline(True)
    for entity in held(cadre):
        log_a_visit_offline(page, entity, issue=False, photo=camera_photo())
    # then all ten wait on the phone
    expect(page.locator("[data-queue-badge]")).to_have_text("10")
    assert not Visit.objects.exists()
    # when the signal returns, they all go, once each, with their photos
    page.context.set_offline(False)
    expect(page.locator("[data-queue-badge]")).to_have_text("0", timeout=60_000)
    assert Visit.objects.count() == 10
    assert sorted(Visit.objects.values_list("entity_id", flat=True)) == sorted(
        e.pk for e in held(cadre)
    )
    assert all(v.photos.count() == 1 for v in Visit.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_full_phone_says_so_and_sends_from_the_open_form(live_server, browser, cadre):
    first = held(cadre)[0]
    page = on_the_phone(browser, live_server, cadre)
    # given a phone whose storage for this site is all but used up
    cdp = page.context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": 50_000})
    page.context.set_offline(True)
    with page.expect_navigation():
        task_row(page, first).locator("a").click()
    page.click("[data-all-pass]")
    page.locator("input[name=photos]").set_input_files(camera_photo())
    # when a visit with a photo is submitted with no signal
    page.click("[data-submit]")
    # then the phone says its storage is full, and the form stays, to be sent from this page
    banner = page.locator("#offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("存储空间已满")
    expect(page.locator("[data-submit]")).to_be_enabled()
    assert page.url.endswith(form_url(first))
    assert not Visit.objects.exists()
    # when the signal returns and they send it again from the page, it is stored, once
    page.context.set_offline(False)
    with page.expect_navigation(url=re.compile(re.escape(reverse("inspections:my")) + "$")):
        page.click("#offline-banner [data-resend]")
    assert Visit.objects.get().entity == first


@pytest.mark.django_db(transaction=True)
def test_a_rectification_report_made_with_no_signal_is_sent_by_itself_once(
    live_server, browser, cadre
):
    # given an open issue on a business the cadre holds, and the task page opened on signal:
    # the page, the 3 forms and the issue's report page are saved on the phone
    first = held(cadre)[0]
    issue = IssueFactory(visit=VisitFactory(assignment=first.assignments.get()))
    report_url = reverse("inspections:issue-report", args=[issue.pk])
    page = phone(browser, live_server, cadre_login(cadre))
    expect(page.locator("body")).to_have_attribute("data-precached", "5", timeout=30_000)
    assert report_url in saved_pages(page)
    key = saved_key(page, report_url)
    badge = page.locator("[data-queue-badge]")

    # when the signal goes and the cadre opens the issue from the task page's open issues
    page.context.set_offline(True)
    with page.expect_navigation():
        page.locator(f'a[href="{report_url}"]').click()
    # then the report opens from the phone's copy, with its own key, fixed proposed
    form = page.locator("#report-form")
    expect(form.locator("input[name=idempotency_key]")).to_have_value(key)
    expect(form.locator("input[name=to_status][value=fixed]")).to_be_checked()
    # when they say what was done, add a photo and send it
    form.locator("textarea[name=note]").fill("已清理后厨地面")
    form.locator("input[name=photo]").set_input_files(jpeg("fixed.jpg"))
    with page.expect_navigation(url=re.compile(re.escape(reverse("inspections:my")) + "$")):
        form.locator("[data-submit]").click()
    # then it waits on the phone, counted by the badge; nothing reached the server
    expect(badge).to_have_text("1")
    expect(page.locator("#pending-sends [data-pending-list] li")).to_contain_text(first.name)
    assert not IssueEvent.objects.filter(to_status=IssueStatus.FIXED).exists()

    # when the signal returns, and nobody taps anything
    page.context.set_offline(False)
    # then within 10 s the report is on the server and the badge says 0
    expect(badge).to_have_text("0", timeout=10_000)
    [event] = IssueEvent.objects.filter(issue=issue, to_status=IssueStatus.FIXED)
    assert (str(event.idempotency_key), event.note) == (key, "已清理后厨地面")
    assert event.photo
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FIXED
    # and a reload (another flush, the timer) stores nothing twice
    page.reload()
    expect(badge).to_have_text("0")
    page.wait_for_timeout(1000)
    assert IssueEvent.objects.filter(issue=issue).exclude(to_status=IssueStatus.OPEN).count() == 1
