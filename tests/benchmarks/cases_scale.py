"""Issue 18: every register and ledger list at its first page and 2,000 pages deep (seek paging,
``baobao.keyset``), and coverage, balance and the dashboards live (no snapshot) at the 300 ms
target, as the province, a city and a county office.

Page 2,000 is reached the way the pager's "next" link reaches it: the cursor of the last row of
page 1,999, read once (an OFFSET outside the timing) and encoded as the pager encodes it; so
2,000 requests are not needed to get there. A list shorter than that is measured at its last
page. Not run in CI: ``make bench`` (or ``BENCH_ONLY=scale``)."""

from urllib.parse import urlencode

from django.urls import reverse

from baobao.keyset import AFTER, _encode, _order_of, _value
from baobao.models import User
from cadres.models import Adjustment, Cadre
from cadres.views.overview import LEDGER_PER_PAGE
from cadres.views.registers import PER_PAGE as CADRE_PER_PAGE
from entities.models import Entity
from entities.views.common import PER_PAGE
from inspections.models import Issue, Visit
from ledgers.models import DashboardSnapshot
from tests.benchmarks.harness import client_for, getter, measure, rolled_back

DEEP_PAGE = 2_000
PAGE_MS = 150
LIVE_MS = 300
# Twenty runs, so that the p95 is the 19th of 20 (of ten runs it would be the slowest one).
REPEAT = 20
SECTION = "Pages: every list deep, the overview live (issue 18)"


def _lists(user):
    """(name, url name, the list's rows in the list's order, rows per page)."""
    return [
        (
            "businesses",
            "entities:list",
            Entity.objects.for_user(user).order_by("name", "id"),
            PER_PAGE,
        ),
        (
            "visits ledger",
            "inspections:visits",
            Visit.objects.for_user(user).order_by("-visited_at", "-id"),
            PER_PAGE,
        ),
        (
            "issues ledger",
            "inspections:issues",
            Issue.objects.for_user(user).order_by("-created_at", "-id"),
            PER_PAGE,
        ),
        (
            "cadre register",
            "cadres:list",
            Cadre.objects.for_user(user).order_by("name", "id"),
            CADRE_PER_PAGE,
        ),
        (
            "adjustment ledger",
            "overview:adjustments",
            Adjustment.objects.for_user(user).order_by("-effective_date", "-id"),
            LEDGER_PER_PAGE,
        ),
    ]


def _deep(path: str, rows, per_page: int) -> tuple[str | None, int]:
    """The URL of page DEEP_PAGE (or the last page) as the pager's links make it, and its number."""
    total_pages = -(-rows.order_by().count() // per_page)
    page = min(DEEP_PAGE, total_pages)
    if page < 2:
        return None, page
    before = rows[(page - 1) * per_page - 1]
    order = _order_of(rows)
    cursor = _encode(order, [_value(before, f) for f, _d in order])
    return f"{path}?{urlencode({AFTER: cursor})}", page


def _list_cases(users):
    for who, user in users.items():
        client = client_for(user)
        for name, view, rows, per_page in _lists(user):
            path = reverse(view)
            yield measure(
                f"{name} ({who}), first page",
                getter(client, path),
                target_ms=PAGE_MS,
                repeat=REPEAT,
                section=SECTION,
            )
            url, page = _deep(path, rows, per_page)
            if url is None:
                continue
            yield measure(
                f"{name} ({who}), page {page:,}",
                getter(client, url),
                target_ms=PAGE_MS,
                repeat=REPEAT,
                section=SECTION,
                note="by the pager's cursor",
            )


def _overview_cases(users):
    # Live: no dashboard snapshot to read (the issue's target is without waiting for one).
    DashboardSnapshot.objects.all().delete()
    for who, user in users.items():
        client = client_for(user)
        for name, view in (
            ("coverage", "overview:coverage"),
            ("balance", "overview:balance"),
            ("dashboard", "dashboard:index"),
        ):
            yield measure(
                f"{name} ({who}), live",
                getter(client, reverse(view)),
                target_ms=LIVE_MS,
                repeat=REPEAT,
                section=SECTION,
                note="no snapshot",
            )


def cases():
    users = {who: User.objects.get(username=who) for who in ("county", "city", "province")}
    with rolled_back():
        yield from _list_cases(users)
        yield from _overview_cases(users)
