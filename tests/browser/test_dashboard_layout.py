"""The dashboard at 1366 px and on paper: the open quarter is drawn as in progress (dashed,
labelled), the regional table scrolls inside its card instead of widening the page, and the
print layout keeps the chart and the table."""

import datetime

import pytest
from django.urls import reverse

from baobao.models import Division, Level
from tests.browser.conftest import log_in
from tests.factories import AssignmentFactory, EntityFactory, VisitFactory, county, office_user


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _area_with_many_townships():
    """碧江区 with eight townships of long names, each with a held business visited last
    quarter (so the trend has a settled point before the open one)."""
    area = county()
    for n in range(8):
        town = Division.objects.create(
            code=f"5206021{n:02d}000",
            name=f"环北街道第{n}长名称社区服务中心",
            level=Level.TOWNSHIP,
            parent=area,
        )
        place = Division.objects.create(
            code=f"5206021{n:02d}001", name=f"村{n}", level=Level.VILLAGE, parent=town
        )
        holding = AssignmentFactory(
            entity=EntityFactory(division=place),
            start_date=datetime.date(2024, 1, 1),
        )
        VisitFactory(assignment=holding)
    return area


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_fits_1366_px_draws_the_open_quarter_apart_and_prints(live_server, page):
    area = _area_with_many_townships()
    log_in(page, live_server, office_user(area))
    page.goto(live_server.url + reverse("dashboard:index"))

    # the open quarter: a dashed, lighter segment and point, labelled
    progress = page.locator("svg.dashchart g.in-progress")
    assert progress.count() == 1
    assert progress.locator("text.progress-label").text_content() == "进行中"
    dash = page.eval_on_selector(
        "svg.dashchart g.in-progress circle", "c => getComputedStyle(c).strokeDasharray"
    )
    assert dash not in ("", "none")

    # the page does not scroll sideways; the table's card stays inside the viewport and the
    # table scrolls inside it when wider
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    card = page.locator("section.dash-table-card").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= 1366
    container = page.eval_on_selector(
        "section.dash-table-card .table-container",
        "c => [c.clientWidth, c.scrollWidth, getComputedStyle(c).overflowX]",
    )
    assert container[0] <= card["width"]
    assert container[2] == "auto"

    # on paper: the navigation goes, the chart and the whole table stay (no inner scroll)
    page.emulate_media(media="print")
    assert not page.locator(".mainnav").is_visible()
    assert page.locator("svg.dashchart").first.is_visible()
    assert page.locator("table.dashboard").is_visible()
    printed = page.eval_on_selector(
        "section.dash-table-card .table-container", "c => getComputedStyle(c).overflowX"
    )
    assert printed == "visible"
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
