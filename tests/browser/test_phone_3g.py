"""The cadre's default path on a 3G phone (Chromium at 390×844, 400 kbit/s both ways, 400 ms):
from the login page to a submitted visit with one photo and one issue, counting taps, typed
characters, seconds and the bytes each page costs on the wire.

The service worker is blocked here: this is the first time on the phone, every byte over the
throttled link (once installed, the worker serves the static files and the saved forms from the
phone). ``make phone-3g`` runs it and prints the table; PHONE_3G_REPORT=<file> writes it too.
"""

import gzip
import io
import os
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image, ImageFilter
from playwright.sync_api import expect

from inspections.models import Issue, Visit
from inspections.views.offline import PHONE_ASSETS
from inspections.visit_photos import visit_photo_process
from tests.browser.conftest import PASSWORD
from tests.browser.test_visit_flow import PHONE, default_checklists, task_row
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, cadre_login

KBIT = 1000 / 8  # bytes per second in one kbit/s
THREE_G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
MAX_TAPS = 8


def camera_photo() -> dict:
    """A 12-megapixel photo of about 1.6 MB (blurred noise compresses like a real scene, not like a
    flat colour); visit.js downscales it to 1600 px (about 400 KB) before the upload."""
    buffer = io.BytesIO()
    noise = Image.effect_noise((1000, 750), 30).convert("RGB").resize((4000, 3000), Image.BICUBIC)
    noise.filter(ImageFilter.GaussianBlur(2)).save(buffer, "JPEG", quality=85)
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


class Wire:
    """Bytes received per step, HTML apart from the rest, from Chromium's own accounting (headers
    and compressed bodies)."""

    def __init__(self, cdp):
        self.page = None
        self.owner = {}
        self.html = {}
        self.other = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        self.owner[event["requestId"]] = (self.page, event.get("type") == "Document")

    def _finished(self, event):
        page, document = self.owner.get(event["requestId"], (None, False))
        if page:
            counts = self.html if document else self.other
            counts[page] = counts.get(page, 0) + event["encodedDataLength"]


class Taps:
    def __init__(self):
        self.count = 0
        self.typed = 0

    def tap(self, locator, **kwargs):
        self.count += 1
        locator.click(**kwargs)


@pytest.mark.django_db(transaction=True)
def test_the_default_path_at_3g_takes_at_most_8_taps(live_server, browser):
    default_checklists()
    cadre = CadreFactory(name="县干部赵六")
    entity = AssignmentFactory(cadre=cadre, entity=EntityFactory(grade="B", name="山村饭店")).entity
    user = cadre_login(cadre)
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True, service_workers="block"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    wire, taps, photo = Wire(cdp), Taps(), camera_photo()
    seconds = {}

    started = time.monotonic()
    # the login page; the user name field has the focus: the cadre types straight away
    wire.page = "login"
    page.goto(live_server.url + reverse("login"))
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type(user.username)
    taps.tap(page.locator("input[name=password]"))
    page.keyboard.type(PASSWORD)
    taps.typed += len(user.username) + len(PASSWORD)
    seconds["login"] = time.monotonic() - started

    # 登录 → 我的任务
    wire.page = "my tasks"
    mark = time.monotonic()
    with page.expect_navigation(url=live_server.url + reverse("inspections:my")):
        taps.tap(page.locator("main form button[type=submit]"))
    page.wait_for_load_state("load")
    seconds["my tasks"] = time.monotonic() - mark

    # the business → its visit form
    wire.page = "visit form"
    mark = time.monotonic()
    with page.expect_navigation():
        taps.tap(task_row(page, entity).locator("a"))
    page.wait_for_load_state("load")
    seconds["visit form"] = time.monotonic() - mark

    # every item passes, the first one is a problem (its issue opens ticked, filled in), a photo
    wire.page = "submit"
    mark = time.monotonic()
    form = page.locator("#visit-form")
    taps.tap(page.locator("[data-all-pass]"))
    first = form.locator("fieldset.check").first
    taps.tap(first.locator(".choice-problem"))
    expect(first.locator("input[name$=raise_issue]")).to_be_checked()
    with page.expect_file_chooser() as chooser:
        taps.tap(form.locator("input[name=photos]"))
    chooser.value.set_files(photo)
    with page.expect_navigation(url=live_server.url + reverse("inspections:my"), timeout=120_000):
        taps.tap(form.locator("[data-submit]"))
    page.wait_for_load_state("load")
    seconds["submit"] = time.monotonic() - mark
    total = time.monotonic() - started
    context.close()

    # then the visit and its issue are stored, in at most 8 taps
    visit = Visit.objects.get(entity=entity)
    assert visit.photos.count() == 1
    assert Issue.objects.filter(visit=visit).count() == 1
    # The photo's re-encode is the worker's (done already where tasks run in process).
    stored = visit.photos.get()
    visit_photo_process(photo_id=stored.pk)
    stored.refresh_from_db()
    uploaded = stored.image.size
    files = [finders.find(path) for path in PHONE_ASSETS if path.endswith((".css", ".js"))]
    raw = sum(len(Path(f).read_bytes()) for f in files)
    packed = sum(len(gzip.compress(Path(f).read_bytes(), 9)) for f in files)
    kb = lambda counts, step: f"{counts.get(step, 0) / 1024:.1f}"  # noqa: E731
    lines = [
        "| step (page reached) | seconds | HTML KB | CSS/JS/other KB |",
        "|---|---:|---:|---:|",
        *(
            f"| {step} | {seconds[step]:.1f} | {kb(wire.html, step)} | {kb(wire.other, step)} |"
            for step in ("login", "my tasks", "visit form", "submit")
        ),
        f"| **total** | **{total:.1f}** | **{sum(wire.html.values()) / 1024:.1f}** "
        f"| **{sum(wire.other.values()) / 1024:.1f}** |",
        "",
        f"{taps.count} taps, {taps.typed} typed characters (user name and password); the photo "
        f"{len(photo['buffer']) / 1024:.0f} KB as taken, {uploaded / 1024:.0f} KB uploaded.",
        f"The test server sends CSS and JS uncompressed; whitenoise sends them gzipped in "
        f"production: {raw / 1024:.1f} KB → {packed / 1024:.1f} KB for the phone pages' files.",
    ]
    print("\n" + "\n".join(lines))
    if report := os.environ.get("PHONE_3G_REPORT"):
        Path(report).write_text("\n".join(lines) + "\n")
    assert taps.count <= MAX_TAPS
