"""The A-grade hand-off in a real browser: the county clerk regrades a business to A, the city
office finds it in its inbox and its hand-off queue, assigns a city-level cadre, and the county's
coverage page no longer lists it as a gap."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from baobao.models import Level
from cadres.models import Assignment
from entities.models import Grade
from tests.browser.conftest import assign_from_row, log_in
from tests.factories import CadreFactory, EntityFactory, city, county, office_user


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())  # the regrade form asks to confirm
    yield page
    context.close()


def _log_out(page):
    page.context.clear_cookies()


@pytest.mark.django_db(transaction=True)
def test_county_regrades_to_a_and_the_city_assigns_a_city_cadre(live_server, page):
    # given the 碧江区 clerk, the 铜仁市 office, an unheld grade C business and a city cadre
    clerk = office_user(county(), username="county-clerk")
    city_office = office_user(city(), username="city-clerk")
    entity = EntityFactory(name="金滩大酒店", grade=Grade.C)
    cadre = CadreFactory(name="市级干部赵六", level=Level.CITY)
    coverage_url = live_server.url + reverse("overview:coverage")

    # when the clerk regrades it to A
    log_in(page, live_server, clerk)
    page.goto(live_server.url + reverse("entities:regrade", args=[entity.pk]))
    page.select_option("select[name=new_grade]", value="A")
    page.fill("textarea[name=reason]", "经营面积扩大，评为A级")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # then the business reads 待市级安排包保 and offers no empty cadre picker
    assert page.url == live_server.url + reverse("entities:detail", args=[entity.pk])
    expect(page.locator(".holder")).to_contain_text("待市级安排包保")
    expect(page.locator(f'.holder a[href$="?entity={entity.pk}"]')).to_have_count(0)
    # and the county's coverage shows it waiting for the city, with its days
    page.goto(coverage_url)
    expect(page.locator("#unheld tbody tr", has_text=entity.name)).to_contain_text("待市级安排包保")
    expect(page.locator("#passed-up tbody tr", has_text=entity.name)).to_have_count(1)

    # when the city office logs in, its inbox has the message, and the link opens the assign form
    _log_out(page)
    log_in(page, live_server, city_office)
    page.goto(live_server.url + reverse("notifications:inbox"))
    message = page.locator(".inbox li", has_text=entity.name)
    expect(message).to_have_count(1)
    # and its hand-off queue lists it
    page.goto(live_server.url + reverse("overview:handoffs"))
    row = page.locator("#handoffs tbody tr", has_text=entity.name)
    expect(row).to_have_count(1)
    assign_from_row(page, row, entity=entity, cadre=cadre, reason="A级主体由市级干部包保")
    assert page.url == live_server.url + reverse("entities:detail", args=[entity.pk])
    page.goto(live_server.url + reverse("overview:handoffs"))
    expect(page.locator("#handoffs")).not_to_contain_text(entity.name)

    # then the county's coverage no longer lists it as a gap
    _log_out(page)
    log_in(page, live_server, clerk)
    page.goto(coverage_url)
    expect(page.locator("#unheld")).not_to_contain_text(entity.name)
    expect(page.locator("#passed-up")).not_to_contain_text(entity.name)
    expect(page.locator("#below")).not_to_contain_text(entity.name)
    assert Assignment.objects.get(entity=entity, end_date__isnull=True).cadre == cadre
