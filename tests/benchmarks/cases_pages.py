"""Pages through the full Django stack (middleware, view, selectors, template) with the in-process
test client: the business list as a county, a city and the province (first and a deep page,
unfiltered and with each filter), the same list in Django's admin, the detail pages, the cadre's
task page, the coverage, balance and dashboard pages, and a visit logged with a photo.

Every subject is picked from the data, so the cases run at any scale. Everything the requests
write (sessions, a cadre's login, visits) is rolled back, and the photos' files are removed."""

import html
import io
import re
import uuid

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from baobao import clock
from baobao.models import Division, Role, User
from cadres.models import Assignment, Cadre
from entities.models import BusinessType, Entity, EntityStatus, Grade, Zone
from entities.views.common import PER_PAGE
from inspections.checklists import checklist_for
from inspections.models import CheckResult, VisitPhoto
from ledgers.dashboards import dashboard_snapshots_take_unscoped
from ledgers.models import DashboardSnapshot
from tests.benchmarks.harness import client_for, getter, measure, rolled_back

# Issue 7: list and detail pages p95 under 150 ms at province scale; the dashboard of a city under
# 300 ms, of the province under 2 s (a county's is held to the city's target).
PAGE_MS = 150
DASHBOARD_MS = {"county": 300, "city": 300, "province": 2000}
REPEAT = 12
# The deep page: reached from the first by following the pager's "next" links (seek paging).
DEEP_PAGE = 20
# The cadre whose task page is measured holds about this many businesses.
TASK_HOLDINGS = 20
ADMIN_REPEAT = 6
VISIT_REPEAT = 8

LIST = "Pages: business list"
ADMIN = "Pages: business list in Django's admin"
DETAIL = "Pages: detail and the cadre's task"
OVERVIEW = "Pages: coverage, balance, dashboard"
VISIT = "Pages: visit submission"


def _url(path: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{path}?{query}" if query else path


def _busiest_cadre(entities) -> Cadre | None:
    row = (
        Assignment.objects.current()
        .filter(entity__in=entities)
        .values("cadre_id")
        .annotate(n=Count("id"))
        .order_by("-n", "cadre_id")
        .first()
    )
    return Cadre.objects.get(pk=row["cadre_id"]) if row else None


def _list_filters(user) -> list[tuple[str, dict]]:
    """One value for each filter the list offers, taken from the user's part of the data: the
    rare values where there is a choice (the hard case for a list sorted by name)."""
    entities = Entity.objects.for_user(user)
    sample = entities.filter(business_type=BusinessType.CATERING).order_by("id").first()
    sample = sample or entities.order_by("id").first()
    coded = entities.exclude(uscc="").order_by("id").first()
    zone = Zone.objects.for_user(user).order_by("id").first()
    below = (
        Division.objects.filter(path__startswith=user.division.path, level=user.division.level + 1)
        .order_by("code")
        .first()
    )
    cadre = _busiest_cadre(entities)
    choices = [
        ("name search", {"q": sample.name[-2:]} if sample else None),
        ("credit code search", {"q": coded.uscc} if coded else None),
        ("area", {"division": below.pk} if below else None),
        ("grade A", {"grade": Grade.A}),
        ("school canteens", {"business_type": BusinessType.SCHOOL_CANTEEN}),
        ("suspended", {"status": EntityStatus.SUSPENDED}),
        ("zone", {"zone": zone.pk} if zone else None),
        ("without a cadre", {"covered": "no"}),
        ("escalated", {"escalated": "yes"}),
        ("held by the busiest cadre", {"held_by": cadre.pk} if cadre else None),
    ]
    return [(name, params) for name, params in choices if params is not None]


def _deep_page(client, url: str) -> tuple[str | None, int]:
    """The URL of page DEEP_PAGE (or the last page, if fewer) reached by following the pager's
    "next" links from ``url``, and its number; None when the list has one page."""
    page = 1
    while page < DEEP_PAGE:
        found = re.search(r'href="([^"]+)" rel="next"', getter(client, url)().text)
        if not found:
            break
        url, page = reverse("entities:list") + html.unescape(found.group(1)), page + 1
    return (url, page) if page > 1 else (None, 1)


def _entity_lists(users: dict[str, User]):
    path = reverse("entities:list")
    ours = {}
    for who, user in users.items():
        client = client_for(user)
        size = Entity.objects.for_user(user).count()
        for name, params in [("unfiltered", {}), *_list_filters(user)]:
            first = measure(
                f"{who}: {name}, first page",
                getter(client, _url(path, **params)),
                target_ms=PAGE_MS,
                repeat=REPEAT,
                section=LIST,
                note=f"{size:,} businesses in scope" if name == "unfiltered" else str(params),
            )
            ours[(who, name)] = (first, params)
            yield first
            deep_url, deep = _deep_page(client, _url(path, **params))
            if deep_url is None:
                continue
            yield measure(
                f"{who}: {name}, page {deep}",
                getter(client, deep_url),
                target_ms=PAGE_MS,
                repeat=REPEAT,
                section=LIST,
                note=f"rows {(deep - 1) * PER_PAGE + 1:,}–{deep * PER_PAGE:,}, by the pager's links",
            )
    yield from _admin_lists(ours)


def _admin_lists(ours):
    """The same list in Django's admin as the system admin (who sees the whole province, like the
    province office); the admin counts the rows twice on every page."""
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    if admin is None:
        return
    client = client_for(admin)
    path = reverse("admin:entities_entity_changelist")
    for name, admin_params in (
        ("unfiltered", lambda ours: {}),
        ("grade A", lambda ours: {"grade__exact": Grade.A}),
        ("name search", lambda ours: {"q": ours["q"]}),
    ):
        if ("province", name) not in ours:
            continue
        our, our_params = ours[("province", name)]
        params = admin_params(our_params)
        result = measure(
            f"admin changelist: {name}",
            getter(client, _url(path, **params)),
            repeat=ADMIN_REPEAT,
            section=ADMIN,
        )
        result.note = (
            f"ours (province) / admin = {our.median_ms / result.median_ms:.2f} "
            f"({our.median_ms:.0f} / {result.median_ms:.0f} ms median)"
        )
        yield result


def _cadre_near(holdings: int, entities) -> tuple[Cadre, int]:
    """The cadre whose number of businesses is nearest ``holdings``."""
    rows = (
        Assignment.objects.current()
        .filter(entity__in=entities)
        .values("cadre_id")
        .annotate(n=Count("id"))
        .filter(n__gte=holdings - 3, n__lte=holdings + 3)
        .order_by("cadre_id")[:50]
    )
    best = min(rows, key=lambda r: (abs(r["n"] - holdings), r["cadre_id"]), default=None)
    if best is None:
        cadre = _busiest_cadre(entities)
        return cadre, Assignment.objects.current().filter(cadre=cadre).count()
    return Cadre.objects.get(pk=best["cadre_id"]), best["n"]


def _cadre_login(cadre: Cadre) -> User:
    """The cadre's own login, or one made for the benchmark (rolled back with the rest)."""
    user = User.objects.filter(cadre=cadre).first()
    if user is None:
        return User.objects.create(
            username=f"bench-cadre-{cadre.pk}", role=Role.CADRE, cadre=cadre, is_active=True
        )
    if not user.is_active:
        # The demo's cadres mostly have logins not yet activated.
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def _details(users: dict[str, User]):
    county = users["county"]
    entities = Entity.objects.for_user(county)
    cadre = _busiest_cadre(entities)
    entity = Assignment.objects.current().filter(cadre=cadre).order_by("id").first().entity
    client = client_for(county)
    yield measure(
        "business detail (county)",
        getter(client, reverse("entities:detail", args=[entity.pk])),
        target_ms=PAGE_MS,
        repeat=REPEAT,
        section=DETAIL,
        note=entity.name,
    )
    yield measure(
        "cadre detail (county, busiest cadre)",
        getter(client, reverse("cadres:detail", args=[cadre.pk])),
        target_ms=PAGE_MS,
        repeat=REPEAT,
        section=DETAIL,
        note=cadre.name,
    )
    task_cadre, held = _cadre_near(TASK_HOLDINGS, entities)
    yield measure(
        "cadre's task page /inspections/my/",
        getter(client_for(_cadre_login(task_cadre)), reverse("inspections:my")),
        target_ms=PAGE_MS,
        repeat=REPEAT,
        section=DETAIL,
        note=f"{held} businesses held",
    )


def _overview(users: dict[str, User]):
    city = client_for(users["city"])
    for name, view in (("coverage", "overview:coverage"), ("balance", "overview:balance")):
        yield measure(
            f"{name} page (city)",
            getter(city, reverse(view)),
            target_ms=PAGE_MS,
            repeat=REPEAT,
            section=OVERVIEW,
            note=users["city"].division.name,
        )
        # The same page a level below and above: a county is held to the city's target; the
        # province's counts read every business, and the issue sets it no target.
        for who, target_ms in (("county", PAGE_MS), ("province", None)):
            yield measure(
                f"{name} page ({who})",
                getter(client_for(users[who]), reverse(view)),
                target_ms=target_ms,
                repeat=REPEAT,
                section=OVERVIEW,
                note=users[who].division.name,
            )
    # As the beat leaves them: the province's and the cities' snapshots taken (every 5 minutes),
    # the settled quarters cached (the first run fills the cache, as the nightly refresh would).
    taken = dashboard_snapshots_take_unscoped(now=clock.now())
    yield measure(
        "dashboard snapshots task (the province and every city)",
        lambda: dashboard_snapshots_take_unscoped(now=clock.now()),
        repeat=3,
        section=OVERVIEW,
        note=f"{taken} snapshots, settled quarters cached; the beat runs it every 5 minutes",
    )
    clients = {who: city if who == "city" else client_for(users[who]) for who in DASHBOARD_MS}
    for who, client in clients.items():
        yield measure(
            f"dashboard ({who})",
            getter(client, reverse("dashboard:index")),
            target_ms=DASHBOARD_MS[who],
            repeat=REPEAT,
            section=OVERVIEW,
            note="from the tables" if who == "county" else "from its snapshot",
        )
    # Without snapshots (a new install, a stopped worker): the figures from the tables.
    DashboardSnapshot.objects.all().delete()
    for who in ("city", "province"):
        page = getter(clients[who], reverse("dashboard:index"))
        yield measure(
            f"dashboard ({who}), without a snapshot",
            page,
            repeat=4,
            section=OVERVIEW,
            note="this quarter from the tables, settled quarters cached",
        )

        def cold(page=page):
            cache.clear()
            return page()

        yield measure(
            f"dashboard ({who}), without a snapshot, cache cleared",
            cold,
            repeat=4,
            section=OVERVIEW,
            note="every quarter computed from the tables: a new install's first view",
        )


def _photo() -> bytes:
    """A phone-sized noisy JPEG (4000×3000 would be ~5 MB; this is 2000×1500, ~1.5 MB)."""
    buffer = io.BytesIO()
    Image.effect_noise((2000, 1500), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _visits():
    """The demo cadre logs a visit with a photo on one of their businesses, a fresh idempotency
    key each time, as visit.js would send it."""
    user = User.objects.filter(username="cadre", cadre__isnull=False).first()
    if user is None:
        return
    holding = Assignment.objects.current().filter(cadre=user.cadre).order_by("id").first()
    entity = holding.entity
    items = list(checklist_for(entity).items.all())
    client = client_for(user)
    url = _url(reverse("inspections:visit-new"), entity=entity.pk)
    photo = _photo()
    keys = []

    def post():
        key = str(uuid.uuid4())
        keys.append(key)
        data = {
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "on_site": "yes",
            "findings": "",
            "companions_other": "",
            "idempotency_key": key,
            "photos": SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg"),
        }
        for item in items:
            data[f"check-{item.pk}-result"] = CheckResult.PASS
            data[f"check-{item.pk}-note"] = ""
        response = client.post(url, data, HTTP_X_REQUESTED_WITH="fetch")
        if response.status_code != 200 or not response.json().get("ok"):
            raise AssertionError(f"visit refused: {response.status_code} {response.content[:500]}")
        return response

    try:
        result = measure(
            "log a visit with a 1.5 MB photo (cadre)",
            post,
            repeat=VISIT_REPEAT,
            section=VISIT,
            note=f"{len(items)} checks; the photo checked by its header and kept in quarantine "
            "(its re-encode is a task after the commit)",
        )
    finally:
        for photo_row in VisitPhoto.objects.filter(visit__idempotency_key__in=keys):
            photo_row.original.delete(save=False)
            photo_row.image.delete(save=False)
    yield result


def cases():
    users = {who: User.objects.get(username=who) for who in ("county", "city", "province")}
    with rolled_back():
        yield from _entity_lists(users)
        yield from _details(users)
        yield from _overview(users)
        yield from _visits()
