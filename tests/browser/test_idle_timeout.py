"""The idle timeout in a real browser: a clerk types into a form, walks away; the page warns a
minute before (here: seconds), the session ends, the clerk signs in again and finds the text."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.factories import county, office_user


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.set_default_timeout(20_000)
    return page


@pytest.mark.django_db(transaction=True)
def test_an_idle_session_ends_and_the_typed_text_survives(live_server, page, settings):
    # given a 10-second idle limit (the warning comes 5 seconds before the end)
    settings.SESSION_IDLE_SECONDS = 10
    settings.SESSION_IDLE_TOUCH_SECONDS = 0
    clerk = office_user(county(), username="idleclerk")
    log_in(page, live_server, clerk)
    form_url = live_server.url + reverse("entities:zone-create")
    page.goto(form_url)
    # when the clerk types a name and a description and walks away
    page.fill("input[name=name]", "城东片区")
    page.fill("textarea[name=description]", "沿河一带的餐饮店")
    # then the page warns before the end
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=20_000)
    expect(dialog).to_contain_text("1 分钟后将自动退出")
    # and, unanswered, the session ends on the sign-in page
    page.wait_for_url("**/accounts/login/**", timeout=20_000)
    expect(page.locator(".messages")).to_contain_text("未操作")
    # when the clerk signs in again
    page.fill("input[name=username]", clerk.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # then they are back on the form with their text
    assert page.url == form_url
    expect(page.locator("input[name=name]")).to_have_value("城东片区")
    expect(page.locator("textarea[name=description]")).to_have_value("沿河一带的餐饮店")
    expect(page.get_by_role("status")).to_contain_text("已恢复")


@pytest.mark.django_db(transaction=True)
def test_staying_signed_in_keeps_the_session(live_server, page, settings):
    settings.SESSION_IDLE_SECONDS = 10
    settings.SESSION_IDLE_TOUCH_SECONDS = 0
    clerk = office_user(county(), username="stayclerk")
    log_in(page, live_server, clerk)
    page.goto(live_server.url + reverse("home"))
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=20_000)
    dialog.get_by_role("button").click()
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(7_000)  # past the first deadline, within the renewed one
    assert "/accounts/login/" not in page.url
    page.goto(live_server.url + reverse("home"))
    assert page.url == live_server.url + reverse("home")
