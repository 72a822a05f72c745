"""Accessibility (GB/T 37668-2019, WCAG 2.x AA): axe-core, served from this repository, run on
every page the office, cadre, business-board and sign-in users reach, on a desktop and on a
390×844 phone; a serious or critical violation fails the test with the rule and the elements."""

from pathlib import Path

import pytest
from django.urls import reverse

from baobao.models import Role
from entities.models import Grade
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    IssueFactory,
    UserFactory,
    ZoneFactory,
    cadre_login,
    county,
    office_user,
)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# WCAG 2.0/2.1 A and AA: what GB/T 37668 and the 适老化 rules ask for.
RUN_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _world():
    """One of everything a page can show: a held business with a visit and an open issue, a
    cadre with an aide, a zone; the county clerk, the cadre, the auditor, the security admin."""
    clerk = office_user(county(), username="a11y-clerk")
    holding = AssignmentFactory(entity__grade=Grade.C, entity__contact_phone="13800001111")
    CadreAideFactory(cadre=holding.cadre)
    issue = IssueFactory(visit__assignment=holding)
    zone = ZoneFactory()
    return {
        "clerk": clerk,
        "cadre": cadre_login(holding.cadre),
        "auditor": UserFactory(username="a11y-auditor", role=Role.AUDITOR, division=None),
        "security": UserFactory(username="a11y-sec", role=Role.SECURITY_ADMIN, division=None),
        "entity": holding.entity,
        "cadre_row": holding.cadre,
        "visit": issue.visit,
        "issue": issue,
        "zone": zone,
    }


def _pages(w):
    e, c = w["entity"].pk, w["cadre_row"].pk
    office = [
        reverse("home"),
        reverse("entities:list"),
        reverse("entities:detail", args=[e]),
        reverse("entities:create"),
        reverse("entities:edit", args=[e]),
        reverse("entities:regrade", args=[e]),
        reverse("entities:status", args=[e]),
        reverse("entities:board", args=[e]),
        reverse("entities:zone-list"),
        reverse("entities:zone-detail", args=[w["zone"].pk]),
        reverse("entities:zone-create"),
        reverse("cadres:list"),
        reverse("cadres:detail", args=[c]),
        reverse("cadres:create"),
        reverse("cadres:edit", args=[c]),
        reverse("cadres:leave", args=[c]),
        reverse("cadres:aide-add", args=[c]),
        reverse("cadres:commitment", args=[c]),
        f"{reverse('holdings:assign')}?entity={e}",
        f"{reverse('holdings:bulk-transfer')}?cadre={c}",
        reverse("overview:coverage"),
        reverse("overview:balance"),
        reverse("overview:adjustments"),
        reverse("inspections:visits"),
        reverse("inspections:visit-detail", args=[w["visit"].pk]),
        reverse("inspections:issues"),
        reverse("inspections:issue-detail", args=[w["issue"].pk]),
        reverse("dashboard:index"),
        reverse("dashboard:report"),
        reverse("ledgers:index"),
        reverse("ledgers:import"),
        reverse("notifications:inbox"),
        reverse("accounts:password-change"),
        reverse("accounts:users"),
        reverse("accounts:otp-setup"),
    ]
    cadre = [
        reverse("inspections:my"),
        f"{reverse('inspections:visit-new')}?entity={e}",
        reverse("entities:detail", args=[e]),
        reverse("notifications:inbox"),
        reverse("accounts:password-change"),
    ]
    return {
        "clerk": office,
        "cadre": cadre,
        "auditor": [reverse("audit:log")],
        "security": [reverse("accounts:security")],
    }


def _violations(page) -> list[str]:
    result = page.evaluate("options => axe.run(document, options)", RUN_OPTIONS)
    found = []
    for v in result["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            found.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {targets}")
    return found


def _page_overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_every_page_passes_axe_core(live_server, browser, viewport):
    world = _world()
    script = AXE.read_text()
    failures = {}
    checked = 0
    # The sign-in page, before anyone signs in.
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + reverse("login"))
    page.add_script_tag(content=script)
    if found := _violations(page):
        failures[reverse("login")] = found
    checked += 1
    context.close()
    for who, urls in _pages(world).items():
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        log_in(page, live_server, world[who])
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{who} {url}: {response.status}"
            page.add_script_tag(content=script)
            found = _violations(page)
            if viewport == "phone" and (overflow := _page_overflow(page)):
                # 390 px is narrower than a 1280 px screen zoomed to 200 %: nothing may need
                # sideways scrolling of the page itself (tables scroll inside their box).
                found.append(f"reflow: the page is {overflow} px wider than the screen")
            if found:
                failures[f"{who} {url}"] = found
            checked += 1
        context.close()
    assert checked > 40
    assert not failures, "\n".join(
        f"{where}:\n  " + "\n  ".join(found) for where, found in failures.items()
    )


@pytest.mark.django_db(transaction=True)
def test_the_check_finds_a_planted_violation(live_server, browser):
    """The test above can fail: the same check on the sign-in page with its labels removed and
    its text made pale grey finds both."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        "() => { document.querySelectorAll('label').forEach(l => l.remove());"
        " document.querySelector('h1').style.color = '#ddd'; }"
    )
    page.add_script_tag(content=AXE.read_text())
    found = " ".join(_violations(page))
    context.close()
    assert "label" in found and "color-contrast" in found


@pytest.mark.django_db(transaction=True)
def test_the_phone_pages_have_a_large_text_mode(live_server, browser):
    cadre = cadre_login(AssignmentFactory().cadre)
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, cadre)
    page.goto(live_server.url + reverse("inspections:my"))
    size = "() => getComputedStyle(document.body).fontSize"
    assert page.evaluate(size) == "16px"
    toggle = page.get_by_role("button", name="大字模式")
    toggle.click()
    assert page.evaluate(size) == "20px"
    assert toggle.get_attribute("aria-pressed") == "true"
    # the choice holds on the next page, rendered so by the server
    page.reload()
    assert page.evaluate(size) == "20px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="大字模式").click()
    assert page.evaluate(size) == "16px"
    context.close()
