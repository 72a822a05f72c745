"""The real browser of the browser tests: Debian's chromium (none is downloaded), headless.

CI installs it (see .ci/run), so there a missing browser is a failure, not a skip.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "pw-for-tests-1"  # the factories' password
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; .ci/run installs Debian's chromium")
        pytest.skip(f"{message} (apt-get install chromium)")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            # While that loop runs, Django keeps this thread's connections apart (asgiref
            # context storage): close them here, or they outlive the test database.
            connections.close_all()


def log_in(page, live_server, user) -> None:
    """Log ``user`` in through the login form, as a person would."""
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def assign_from_row(page, row, *, entity, cadre, reason: str) -> None:
    """Follow a page row's assign link for ``entity``, pick ``cadre`` (a select or radio
    buttons), give the reason when the form asks for one, and submit."""
    with page.expect_navigation():
        row.locator(f'a[href$="?entity={entity.pk}"]').click()
    if page.locator("select[name=cadre]").count():
        page.select_option("select[name=cadre]", value=str(cadre.pk))
    else:
        page.check(f'input[name=cadre][value="{cadre.pk}"]')
    reason_field = page.locator("textarea[name=reason], input[name=reason]")
    if reason_field.count():
        reason_field.first.fill(reason)
    form = page.locator("main form", has=page.locator("[name=cadre]"))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
