"""The public side on a phone (headless Chromium at 390×844): scan the board's QR → the public
card → 随手拍 with a photo → the receipt code; the county office triages and approves the reply
the cadre's handling led to; the reporter, following the code, sees the reply."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from baobao.models import Level
from public.abuse import captcha_answer
from public.models import PublicRequest
from public.services.requests import request_handle
from tests.browser.conftest import log_in
from tests.browser.test_visit_flow import PHONE, default_checklists, jpeg
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    cadre_login,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_scan_report_triage_and_the_reporter_sees_the_reply(browser, live_server):
    default_checklists()
    holding = AssignmentFactory(
        cadre=CadreFactory(name="县干部张三", level=Level.COUNTY),
        entity=EntityFactory(grade="B", name="解放路小吃店"),
    )
    office = office_user(county())
    holder = cadre_login(holding.cadre)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = phone.new_page()
    page.set_default_timeout(20_000)

    # the QR on the board carries the card's address: the public opens it without login
    page.goto(live_server.url + reverse("public:card", args=[holding.entity.pk]))
    expect(page.locator("[data-field=name]")).to_have_text("解放路小吃店")
    expect(page.locator("[data-field=cadre]")).to_contain_text("县干部张三")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        page.get_by_role("link", name="随手拍").click()

    page.select_option("select[name=category]", "hygiene")
    page.fill("textarea[name=text]", "后厨地面油污，苍蝇很多")
    page.set_input_files("input[name=photos]", [jpeg("kitchen.jpg")])
    token = page.locator("input[name=captcha_token]").input_value()
    page.fill("input[name=captcha]", captcha_answer(token))
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()

    code = page.locator("[data-code]").inner_text().strip()
    expect(page.locator("[data-status]")).to_have_text("已受理")
    request = PublicRequest.objects.get(code=code)
    assert request.photos.count() == 1

    # the county office triages it on its desk: assign to the holder with a deadline
    desk = browser.new_context(locale="zh-CN").new_page()
    desk.set_default_timeout(20_000)
    log_in(desk, live_server, office)
    desk.goto(live_server.url + reverse("public:request-detail", args=[request.pk]))
    desk.select_option("select[name=cadre]", str(holding.cadre.pk))
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    desk.fill("input[name=deadline]", deadline.isoformat())
    with desk.expect_navigation():
        desk.locator("form[action$='/assign/'] button").click()
    expect(desk.locator("h1 [data-status]")).to_have_text("已交办")

    # the holder handles it through a visit (the cadre's desk is tested in tests/public)
    request_handle(
        request=PublicRequest.objects.get(pk=request.pk),
        user=holder,
        handling="已到店检查，责令清理",
        visited_at=timezone.now(),
    )

    # the office approves the reply
    desk.reload()
    desk.fill("textarea[name=reply]", "经检查已责令整改，感谢监督！")
    with desk.expect_navigation():
        desk.locator("form[action$='/reply/'] button").click()
    expect(desk.locator("h1 [data-status]")).to_have_text("已答复办结")

    # the reporter, following the receipt code, sees the reply
    page.goto(live_server.url + reverse("public:follow-lookup"))
    page.fill("input[name=code]", code.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-reply]")).to_have_text("经检查已责令整改，感谢监督！")
    expect(page.locator("[data-status]")).to_have_text("已答复办结")
    phone.close()
