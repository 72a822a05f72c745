"""What the load users do (run by run.py; the logins come from LOAD_USERS_FILE).

A cadre (包保干部) on a phone: logs in through the login form, opens this quarter's task page,
opens the visit form of one of the businesses on it and submits it as the browser would (the
form's own fields and fresh idempotency key, every checklist item answered), then again.
A clerk (食安办) at a desk: pages through the business register with filters, the cadre register,
the visit and issue ledgers and the dashboard.

Every request is checked for what a user would see: a refused login, a form shown again with
errors or a page other than the one expected is a failure, not just a 4xx/5xx status.
"""

import io
import itertools
import json
import os
import random
import re
from html.parser import HTMLParser

from locust import HttpUser, between, task
from locust.exception import StopUser
from PIL import Image

USERS = json.loads(open(os.environ["LOAD_USERS_FILE"], encoding="utf-8").read())  # noqa: SIM115
CADRE_LOGINS = itertools.cycle(USERS["cadres"])
CLERK_LOGINS = itertools.cycle(USERS["clerks"])
PHOTO_SHARE = 0.2
ISSUE_SHARE = 0.1
VISIT_LINK = re.compile(r'href="(/inspections/visits/new/\?entity=\d+)"')
# The "next" link of a counted pager (django-tables2's) or of a seek pager (baobao.keyset).
NEXT_PAGE = re.compile(
    r'<li class="next[^"]*">\s*<a[^>]*href="([^"]+)"|<a href="([^"]+)" rel="next"'
)


def _tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(out, "JPEG", quality=70)
    return out.getvalue()


PHOTO = _tiny_jpeg()


def loopback_cookies(session) -> None:
    """Browsers treat loopback as a secure context and send ``Secure`` cookies to it over plain
    http (the production settings mark the session, CSRF and messages cookies Secure); Python's
    cookie jar does not, so after each response the load users' cookies for 127.0.0.1 lose the
    flag: the browsers' rule, for loopback only."""
    for cookie in session.cookies:
        if cookie.domain in ("127.0.0.1", "127.0.0.1.local", "localhost", "localhost.local"):
            cookie.secure = False


class FormParser(HTMLParser):
    """The fields of one ``<form id=...>`` as a browser would submit them untouched: hidden and
    text inputs, checked radios and boxes, selected options, textareas; plus the radio groups."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields, self.radios = form_id, False, {}, set()
        self.options: dict[str, list[str]] = {}
        self._select, self._option, self._textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or (not a.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "radio":
                self.radios.add(a["name"])
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            elif kind not in ("file", "submit", "button"):
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(self._select, None)
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value", ""))
            if self.fields[self._select] is None or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def parse_form(html: str, form_id: str) -> FormParser:
    parser = FormParser(form_id)
    parser.feed(html)
    return parser


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Office(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    logins = None

    def on_start(self):
        self.username = next(self.logins)
        page = self.client.get("/accounts/login/", name="login form")
        loopback_cookies(self.client)
        token = CSRF_FIELD.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": USERS["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": page.url},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} refused ({response.status_code})")
                raise StopUser
        loopback_cookies(self.client)

    def expect(self, url: str, name: str, marker: str):
        """GET ``url``; a failure unless it answers 200 with ``marker`` in the page."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code == 200 and marker not in response.text:
                response.failure(f"{url}: {marker!r} not in the page")
        loopback_cookies(self.client)
        return response


class Cadre(Office):
    """A cadre logging visits on a phone."""

    logins = CADRE_LOGINS
    fixed_count = int(os.environ.get("LOAD_CADRE_COUNT", "50"))

    @task
    def log_a_visit(self):
        task_page = self.expect("/inspections/my/", "cadre: my tasks", 'class="tasks"')
        links = VISIT_LINK.findall(task_page.text)
        if not links:
            task_page.failure(f"{self.username}: no business on the task page")
            return
        self.wait()
        url = random.choice(links)
        form_page = self.expect(url, "cadre: visit form", 'id="visit-form"')
        form = parse_form(form_page.text, "visit-form")
        data = {k: v for k, v in form.fields.items() if v is not None}
        results = sorted(name for name in form.radios if name.endswith("-result"))
        for name in results:
            data[name] = "pass"
        if results and random.random() < ISSUE_SHARE:
            prefix = results[0].removesuffix("-result").replace("check-", "issue-")
            data[results[0]] = "problem"
            data.update(
                {
                    f"{prefix}-raise_issue": "on",
                    f"{prefix}-category": next(v for v in form.options[f"{prefix}-category"] if v),
                    f"{prefix}-description": "负载测试：餐具消毒记录不全",
                }
            )
        data["findings"] = "负载测试督导记录"
        files = (
            {"photos": ("site.jpg", PHOTO, "image/jpeg")} if random.random() < PHOTO_SHARE else None
        )
        self.wait()
        with self.client.post(
            url,
            data=data,
            files=files,
            headers={"Referer": form_page.url},
            allow_redirects=False,
            name="cadre: visit submit",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.endswith("/inspections/my/"):
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
                response.failure(f"visit not recorded ({response.status_code}): {errors[:3]}")
        loopback_cookies(self.client)


class Clerk(Office):
    """A county or city office clerk browsing the ledgers at a desk."""

    logins = CLERK_LOGINS
    fixed_count = int(os.environ.get("LOAD_CLERK_COUNT", "10"))
    FILTERS = (
        "?grade=A",
        "?grade=D&covered=yes",
        "?business_type=catering",
        "?status=active&escalated=no",
        "?covered=no",
        "?q=超市",
    )

    @task(4)
    def entities(self):
        first = self.expect("/entities/", "clerk: entities", "<table")
        self.wait()
        self._next_page(first.text, "/entities/", "clerk: entities next page")

    @task(4)
    def entities_filtered(self):
        page = self.expect(
            "/entities/" + random.choice(self.FILTERS), "clerk: entities filtered", "<table"
        )
        self.wait()
        self._next_page(page.text, "/entities/", "clerk: entities filtered next page")

    @task(2)
    def cadres(self):
        page = self.expect("/cadres/", "clerk: cadres", "<table")
        self.wait()
        self._next_page(page.text, "/cadres/", "clerk: cadres next page")

    @task(2)
    def visits(self):
        self.expect("/inspections/visits/", "clerk: visit ledger", "<table")

    @task(2)
    def issues(self):
        self.expect("/inspections/issues/", "clerk: issue ledger", "<table")

    @task(1)
    def dashboard(self):
        self.expect("/dashboard/", "clerk: dashboard", "<main")

    def _next_page(self, html: str, path: str, name: str) -> None:
        """Follow the table's "next" link, as a clerk paging on would."""
        if match := NEXT_PAGE.search(html):
            href = (match.group(1) or match.group(2)).replace("&amp;", "&")
            self.expect(href if href.startswith("/") else path + href, name, "<table")
