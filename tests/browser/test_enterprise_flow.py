"""The business's own side on a phone (headless Chromium at 390×844): ``enterprise`` logs in,
submits a daily check with one problem and a photo; the holding cadre then sees it in the
self-management evidence on the visit form."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from playwright.sync_api import expect

from baobao.models import Role
from enterprises.models import Membership, Position, Record
from tests.browser.test_visit_flow import default_checklists, holding, jpeg, phone  # noqa: F401
from tests.factories import UserFactory, cadre_login


def default_daily_items():
    """The seeded daily check items again: a transactional test before this one flushed them."""
    module = importlib.import_module("enterprises.migrations.0002_default_items_and_policy")
    module.forwards(django_apps, None)


@pytest.mark.django_db(transaction=True)
def test_the_business_submits_a_daily_check_and_the_cadre_sees_it(
    live_server,
    browser,
    holding,  # noqa: F811
):
    default_daily_items()
    entity = holding.entity
    user = UserFactory(username="enterprise", role=Role.BUSINESS, division=None)
    Membership.objects.create(user=user, entity=entity, position=Position.OFFICER)

    # given the business's 食品安全员 logged in on a phone: they land on their business
    page = phone(browser, live_server, user)
    assert page.url == live_server.url + reverse("enterprises:entity", args=[entity.pk])
    # when they open the daily check, mark the first item a problem with a note and a photo,
    # the others normal, and submit
    with page.expect_navigation():
        page.click(f'a[href="{reverse("enterprises:record-new", args=[entity.pk, "daily"])}"]')
    checks = page.locator("fieldset.check")
    count = checks.count()
    assert count >= 5
    first = checks.nth(0)
    first.locator("label.choice-problem").click()
    first.locator("input[name$='-note']").fill("消毒柜未开启")
    first.locator("input[type=file]").set_input_files(jpeg("problem.jpg"))
    for index in range(1, count):
        checks.nth(index).locator("label.choice-ok").click()
    with page.expect_navigation():
        page.click("form.record-form button[type=submit]")
    # then the business's page lists it
    expect(page.locator("#records")).to_contain_text("日管控")
    record = Record.objects.get(entity=entity)
    assert record.problems == 1 and record.photos.get().item == 0
    page.context.close()

    # when the holding cadre opens the visit form for the business
    cadre_page = phone(browser, live_server, cadre_login(holding.cadre))
    cadre_page.goto(live_server.url + reverse("inspections:visit-new") + f"?entity={entity.pk}")
    evidence = cadre_page.locator("#self-management")
    # then the evidence shows the daily check and its open problem
    expect(evidence).to_contain_text("日管控")
    expect(evidence).to_contain_text("实 1")
    expect(evidence).to_contain_text("自查发现未整改问题：1")
    # and the checklist's 日管控/周排查/月调度 item carries the hint
    expect(cadre_page.locator("fieldset.check p.hint").first).to_contain_text("日管控")
