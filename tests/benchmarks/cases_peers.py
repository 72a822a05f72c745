"""Side by side with Django's admin changelist, the peer a user would otherwise pick: the first
page of the business list with each filter the admin can express, for a county and for the
province, the admin narrowed to the same area (``division_path__startswith``) so both list the
same rows; then page 2,000 of the businesses and of the visits, ours as the province office and
the admin's as the system admin (both see the whole province). Our lists page by seek (a cursor in
the query string): the cursor of page 2,000 is made from the row that ends page 1,999, found
once with OFFSET before any timing; a list still paged by number gets ``?page=2000``."""

import html
import re

from django.contrib.admin import site
from django.urls import reverse

from baobao.keyset import AFTER, _decode, _encode
from baobao.models import Division, User
from entities.models import Entity
from inspections.models import Visit
from tests.benchmarks.cases_pages import _list_filters, _url
from tests.benchmarks.harness import client_for, getter, measure

SECTION = "Pages: deep pages against Django's admin"
FILTERS = "Pages: business list filters against Django's admin, same area"
DEEP = 2000
# The admin's pages take seconds at province scale: six runs each. Ours are repeated as every
# other page is (20 runs), so that their p95 is not simply the slowest of six.
REPEAT = 6
OURS_REPEAT = 20
PAGE_MS = 150
NEXT = re.compile(r'href="([^"]*)" rel="next"')


def _deep_url(client, path: str, qs, deep: int) -> tuple[str | None, str]:
    """Our URL of page DEEP of the list at ``path`` whose rows are ``qs`` in the list's order,
    and how it was reached."""
    first = getter(client, path)().content.decode()
    found = NEXT.search(first)
    if found is None:
        if "page=2" in first:
            return f"{path}?page={deep}", "numbered pages"
        return None, "one page only"
    link = html.unescape(found.group(1))
    cursor = re.search(rf"[?&]{AFTER}=([^&]+)", link)
    if cursor is None:
        return f"{path}?page={deep}", "numbered pages"
    order_terms = _peek_order(cursor.group(1))
    order = [(t.lstrip("-"), t.startswith("-")) for t in order_terms]
    values = _decode(cursor.group(1), order, qs)
    ordered = qs.order_by(*order_terms)
    fields = [f for f, _d in order]
    # The first page's last row tells the page size; the row ending page DEEP - 1 the cursor.
    per_page = ordered.filter(**_at_or_before(order, values)).count()
    row = list(ordered.values_list(*fields)[(deep - 1) * per_page - 1 : (deep - 1) * per_page])
    if not row:
        return None, f"fewer than {deep} pages"
    deep = _encode(order, [v if isinstance(v, int) else str(v) for v in row[0]])
    return f"{path}?{AFTER}={deep}", f"seek cursor, {per_page} rows a page"


def _peek_order(cursor: str) -> list[str]:
    import base64
    import json

    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return json.loads(raw)["o"]


def _at_or_before(order, values) -> dict:
    """The rows up to the cursor's row by the first field of the order: the first page's size
    (a little over if that field's value repeats across the page's end)."""
    (field, descending), value = order[0], values[0]
    return {f"{field}__{'gte' if descending else 'lte'}": value}


def _admin_params(name: str, params: dict, user: User) -> dict | None:
    """The admin changelist's query for one of our filters, narrowed to ``user``'s area; None for
    the filters the admin has no way to say (who holds a business, escalated, self-checks)."""
    area = {"division_path__startswith": user.division.path}
    if name == "area":
        return {"division_path__startswith": Division.objects.get(pk=params["division"]).path}
    same = {
        "unfiltered": {},
        "name search": {"q": params.get("q")},
        "credit code search": {"q": params.get("q")},  # the admin searches "=uscc" too
        "grade A": {"grade__exact": params.get("grade")},
        "school canteens": {"business_type__exact": params.get("business_type")},
        "suspended": {"status__exact": params.get("status")},
        "zone": {"zone__id__exact": params.get("zone")},
    }
    return {**area, **same[name]} if name in same else None


def _filters_against_admin(admin_client):
    """Ours and the admin's first page of each filter the admin can express, same rows."""
    ours_path = reverse("entities:list")
    admin_path = reverse("admin:entities_entity_changelist")
    for who in ("county", "province"):
        user = User.objects.get(username=who)
        client = client_for(user)
        for name, params in [("unfiltered", {}), *_list_filters(user)]:
            admin_params = _admin_params(name, params, user)
            if admin_params is None:
                continue
            peer = measure(
                f"peer: admin changelist, {who}'s area, {name}",
                getter(admin_client, _url(admin_path, **admin_params)),
                repeat=REPEAT,
                section=FILTERS,
                note=f"system admin, {admin_params}",
            )
            ours = measure(
                f"{who}: {name}, first page",
                getter(client, _url(ours_path, **params)),
                target_ms=PAGE_MS,
                repeat=OURS_REPEAT,
                section=FILTERS,
                note=str(params),
            )
            ours.note += (
                f"; ours/admin {ours.median_ms / peer.median_ms:.2f}× the time "
                f"({ours.median_ms:.0f} / {peer.median_ms:.0f} ms median)"
            )
            yield peer
            yield ours


def cases():
    province = User.objects.get(username="province")
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    if admin is None:
        return
    ours_client, admin_client = client_for(province), client_for(admin)
    yield from _filters_against_admin(admin_client)
    for name, path, model, admin_name in (
        ("businesses", reverse("entities:list"), Entity, "admin:entities_entity_changelist"),
        ("visits", reverse("inspections:visits"), Visit, "admin:inspections_visit_changelist"),
    ):
        # Page DEEP, or the admin's last page on a smaller demo.
        per_page = site._registry[model].list_per_page
        deep = max(1, min(DEEP, -(-model.objects.count() // per_page)))
        admin_result = measure(
            f"peer: admin changelist, {name}, page {deep:,}",
            getter(admin_client, f"{reverse(admin_name)}?p={deep}"),
            repeat=REPEAT,
            section=SECTION,
            note="system admin; the changelist counts the rows and pages by OFFSET",
        )
        url, how = _deep_url(ours_client, path, model.objects.for_user(province), deep)
        if url is None:
            admin_result.note += f"; ours not compared ({how})"
            yield admin_result
            continue
        ours = measure(
            f"{name} list, province, page {deep:,}",
            getter(ours_client, url),
            target_ms=PAGE_MS,
            repeat=OURS_REPEAT,
            section=SECTION,
            note=how,
        )
        ratio = ours.median_ms / admin_result.median_ms
        ours.note += (
            f"; ours/admin {ratio:.2f}× the time "
            f"({ours.median_ms:.0f} / {admin_result.median_ms:.0f} ms median)"
        )
        yield admin_result
        yield ours
