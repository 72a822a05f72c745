"""The business's phone with no signal, in a real browser (headless Chromium): after one visit on
signal, its home (which sends on to its one business), the record form and the fix report open
from the phone's copy kept by the business's service worker (scope /enterprise/)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from enterprises.models import RecordKind
from tests.browser.test_visit_flow import phone
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, IssueFactory


@pytest.mark.django_db(transaction=True)
def test_the_business_home_and_forms_open_offline_after_one_visit(live_server, browser):
    entity = EntityFactory(grade="A", name="离线测试餐馆")
    issue = IssueFactory(visit__assignment__entity=entity, description="冷库温度不达标")
    page = phone(browser, live_server, business_user(entity))
    home = live_server.url + reverse("enterprises:home")
    # given one visit of the home on signal: the worker saves it, the business page, the forms
    page.goto(home)
    expect(page.locator("body")).to_have_attribute("data-sw", "/enterprise/sw.js")
    expect(page.locator("h1")).to_have_text("离线测试餐馆")
    expect(page.locator("body")).to_have_attribute(
        "data-precached", re.compile(r"^[1-9]\d*$"), timeout=30_000
    )
    # when the signal is gone
    page.context.set_offline(True)
    # then the home opens (on to the one business), with its issue list
    page.goto(home)
    expect(page.locator("h1")).to_have_text("离线测试餐馆")
    expect(page.locator("#rectification")).to_contain_text("冷库温度不达标")
    # and the record form and the fix report open, ready to be queued
    page.goto(live_server.url + reverse("enterprises:issue-fix", args=[issue.pk]))
    expect(page.locator("form#fix-form[data-queued-form]")).to_be_visible()
    page.goto(
        live_server.url + reverse("enterprises:record-new", args=[entity.pk, RecordKind.DAILY])
    )
    expect(page.locator("form#record-form[data-queued-form]")).to_be_visible()
    # while a page never saved says there is no signal
    page.goto(live_server.url + reverse("enterprises:issue-fix", args=[999999]))
    expect(page.locator('a[href="/enterprise/"]')).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    page.context.set_offline(False)
