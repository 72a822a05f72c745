"""One full flow in a real browser (headless Chromium driven by Playwright): the county clerk finds
an unheld business on the coverage page, assigns it, and sees it leave the coverage page and
appear in the adjustments ledger.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment
from entities.models import Grade
from tests.browser.conftest import assign_from_row, log_in
from tests.factories import CadreFactory, EntityFactory, county, office_user


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.set_default_timeout(20_000)
    return page


@pytest.mark.django_db(transaction=True)
def test_clerk_assigns_an_unheld_business_found_on_the_coverage_page(live_server, page):
    # given the 碧江区 clerk, an unheld D business in a village and a village cadre there
    clerk = office_user(county(), username="clerk")
    entity = EntityFactory(name="浏览器测试小卖部", grade=Grade.D)
    cadre = CadreFactory(name="村干部王五", level=Level.VILLAGE)
    coverage_url = live_server.url + reverse("overview:coverage")

    # when the clerk logs in
    log_in(page, live_server, clerk)
    assert page.url == live_server.url + reverse("home")

    # and finds the business among the unheld ones on the coverage page
    page.goto(coverage_url)
    row = page.locator("#unheld tbody tr", has_text=entity.name)
    expect(row).to_have_count(1)

    # and follows its assign link, picks the cadre and submits
    assign_from_row(page, row, entity=entity, cadre=cadre, reason="新开业，按层级落实包保")

    # then the business's page says what was done
    assert page.url == live_server.url + reverse("entities:detail", args=[entity.pk])
    expect(page.locator(".messages .msg")).to_contain_text(entity.name)

    # and the business has left the coverage page
    page.goto(coverage_url)
    expect(page.locator("#unheld")).not_to_contain_text(entity.name)

    # and the ledger has its row, from nobody to the cadre
    page.goto(live_server.url + reverse("overview:adjustments"))
    ledger_row = page.locator("table.data tbody tr", has_text=entity.name)
    expect(ledger_row).to_have_count(1)
    expect(ledger_row).to_contain_text(cadre.name)

    # and the database agrees
    assert Assignment.objects.get(entity=entity, end_date__isnull=True).cadre == cadre
    assert Adjustment.objects.filter(
        entity=entity, kind=AdjustmentKind.ASSIGN, to_cadre=cadre, created_by=clerk
    ).exists()
