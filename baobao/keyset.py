"""Keyset ("seek") paging for the large lists.

Each page starts where the page before it ended: ``WHERE (name, id) > (last name, last id)``
read off the index that serves the list's order, instead of skipping rows with ``OFFSET``. Page
twenty then costs what page one costs (with OFFSET, PostgreSQL read and threw away every row
before it: 950 rows of a filtered anti-join took 844 ms at province scale), and nothing is
counted. The pager offers the first, the previous and the next page.

A list's total is never a full COUNT either (``list_total``): a list that fits on one page
counts its own rows; a longer one asks PostgreSQL's planner for its estimate, and counts
exactly, no further than ``EXACT_UP_TO + 1`` rows, only when that estimate is small. The page
says "about 1,200,000" or "1,000+" where it did not count.

The position travels in the query string as an opaque cursor holding the list's order and the
values of the row it follows (or precedes). A cursor that does not decode, or was made for
another order (the user re-sorted the table), is ignored: the list starts again at its first
page. A forged cursor only moves the position inside the user's own scoped queryset.
"""

import base64
import binascii
import datetime
import decimal
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django_tables2 import RequestConfig

AFTER = "after"
BEFORE = "before"
# Below this many rows (by the planner's estimate) a list's total is counted exactly.
EXACT_UP_TO = 1000


@dataclass(frozen=True)
class Total:
    """How many rows a list has: ``exact``, ``about`` (the planner's estimate, rounded) or
    ``over`` (more than ``n``: where no estimate is to be had)."""

    n: int
    kind: str = "exact"


@dataclass(frozen=True)
class KeysetPage:
    """The page's neighbours as query strings (``None`` where there is none), and the list's
    total (``None`` for grouped lists, whose rows are not a table's)."""

    first: str | None
    previous: str | None
    next: str | None
    total: Total | None = None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous or self.next)


def _grouped(qs: QuerySet) -> bool:
    """A ``values()`` query (rows are dicts, often one per group): its order's last term is
    taken to tell its rows apart, and its rows are read in one query."""
    return qs._fields is not None or qs.query.group_by is not None


def _order_of(qs: QuerySet) -> list[tuple[str, bool]]:
    """The queryset's order as (field path, descending) pairs, ending with the id (added as the
    tie-breaker, in the direction of the last term, when the order does not end with it)."""
    terms = list(qs.query.order_by) or list(qs.model._meta.ordering)
    order = []
    for term in terms:
        if not isinstance(term, str) or term.lstrip("-") == "?":
            raise ValueError(f"keyset paging needs field names, not {term!r}")
        order.append((term.lstrip("-"), term.startswith("-")))
    if not order or (order[-1][0] not in ("id", "pk") and not _grouped(qs)):
        order.append(("id", order[-1][1] if order else False))
    return order


def _field(qs: QuerySet, path: str):
    """The model field a ``__`` path ends at, or the output field of an annotation."""
    if path in qs.query.annotations:
        return qs.query.annotations[path].output_field
    model, field = qs.model, None
    for part in path.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        model = field.related_model or model
    return field.target_field if field.is_relation else field


def _value(row, path: str):
    """The value of a ``__`` path on a row, as it goes into a cursor."""
    if isinstance(row, dict):
        value = row.get(path)
    else:
        value = row
        for part in path.split("__"):
            value = getattr(value, "pk" if part == "id" else part, None)
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, datetime.date | decimal.Decimal):
        value = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return value


def _encode(order: list[tuple[str, bool]], values: list) -> str:
    payload = json.dumps({"o": [f"-{f}" if d else f for f, d in order], "v": values})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(cursor: str, order: list[tuple[str, bool]], qs: QuerySet) -> list | None:
    """The values of a cursor made for this order (each read as its field reads it), or None."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values = payload["v"]
        same_order = payload["o"] == [f"-{f}" if d else f for f, d in order]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    if not same_order or not isinstance(values, list) or len(values) != len(order):
        return None
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return None
    try:
        return [_field(qs, f).to_python(v) for (f, _d), v in zip(order, values, strict=True)]
    except (FieldDoesNotExist, ValidationError, ValueError, TypeError):
        return None


def _beyond(order: list[tuple[str, bool]], values: list, *, forward: bool) -> Q:
    """Rows after (``forward``) or before the row with these values, in this order.

    The lexicographic comparison spelled out (SQLite has no row values), led by a bound on the
    first column so that an index on the order starts its scan at the cursor."""
    beyond = Q()
    for k, (field, descending) in enumerate(order):
        step = Q(**{f"{field}__{'lt' if descending == forward else 'gt'}": values[k]})
        for (earlier, _descending), value in zip(order[:k], values, strict=False):
            step &= Q(**{earlier: value})
        beyond |= step
    first, descending = order[0]
    bound = Q(**{f"{first}__{'lte' if descending == forward else 'gte'}": values[0]})
    return bound & beyond


def _rows(qs: QuerySet, limit: int) -> list:
    """The first ``limit`` rows of ``qs`` in two steps: their ids (which an index holding the
    order and the filtered columns answers alone, without reading a row per entry walked),
    then those rows with what ``qs`` selects and prefetches. A grouped query in one step.

    Two round trips, not one query with the ids as a subquery (``pk IN (SELECT … LIMIT n)``):
    PostgreSQL does not know that subquery yields fifty ids, and for the province's adjustment
    ledger (a million rows, five joins) it hashed the whole join to probe them: 8.4 s instead of
    a few milliseconds."""
    if _grouped(qs):
        return list(qs[:limit])
    ids = list(qs.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    rows = {row.pk: row for row in qs.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids]


def _query(request, prefix: str, **cursor) -> str:
    params = request.GET.copy()
    for name in (AFTER, BEFORE, "page"):
        params.pop(prefix + name, None)
    params.update({prefix + name: value for name, value in cursor.items()})
    return "?" + params.urlencode()


def keyset_paginate(request, table, *, per_page: int, total: bool = True) -> KeysetPage:
    """Sort ``table`` from the query string and cut its queryset down to one page, found by the
    ``after`` / ``before`` cursor (prefixed with the table's prefix, so that several tables of
    one page page on their own): two queries (the page's ids, then their rows), and with
    ``total`` the list's total (``list_total``: none, or one or two small queries)."""
    RequestConfig(request, paginate=False).configure(table)
    prefix = table.prefix or ""
    qs = table.data.data
    order = _order_of(qs)
    if order[-1] not in [(t.lstrip("-"), t.startswith("-")) for t in qs.query.order_by]:
        qs = qs.order_by(*[f"-{f}" if d else f for f, d in order])
    whole = qs
    after = _decode(request.GET.get(prefix + AFTER, ""), order, qs)
    before = None if after is not None else _decode(request.GET.get(prefix + BEFORE, ""), order, qs)
    if before is not None:
        rows = _rows(qs.filter(_beyond(order, before, forward=False)).reverse(), per_page + 1)
        more_before, rows = len(rows) > per_page, rows[:per_page][::-1]
        more_after = True
    else:
        if after is not None:
            qs = qs.filter(_beyond(order, after, forward=True))
        rows = _rows(qs, per_page + 1)
        more_after, rows = len(rows) > per_page, rows[:per_page]
        more_before = after is not None
    table.data.data = rows
    if not total or _grouped(qs):
        total = None
    elif not more_before and not more_after:
        total = Total(len(rows))
    else:
        total = list_total(whole)

    def cursor(row) -> str:
        return _encode(order, [_value(row, f) for f, _d in order])

    at_start = not more_before
    return KeysetPage(
        first=None if at_start else _query(request, prefix),
        previous=_query(request, prefix, before=cursor(rows[0])) if more_before and rows else None,
        next=_query(request, prefix, after=cursor(rows[-1])) if more_after and rows else None,
        total=total,
    )


def planner_estimate(qs: QuerySet) -> int | None:
    """PostgreSQL's estimate of how many rows ``qs`` returns (its plan, not its rows: about a
    millisecond whatever the table's size); ``None`` on another database."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _rounded(n: int) -> int:
    """Two significant figures: an estimate should not look like a count."""
    digits = len(str(n))
    return round(n, -(digits - 2)) if digits > 2 else n


def list_total(qs: QuerySet) -> Total:
    """The total a list shows: exact when the planner expects at most ``EXACT_UP_TO`` rows and
    there are (counting no further), else the planner's estimate, else "more than"."""
    estimate = planner_estimate(qs)
    if estimate is None or estimate <= EXACT_UP_TO:
        n = bounded_count(qs, EXACT_UP_TO)
        return Total(n) if n <= EXACT_UP_TO else Total(EXACT_UP_TO, "over")
    return Total(_rounded(estimate), "about")


def bounded_count(qs: QuerySet, limit: int) -> int:
    """How many rows ``qs`` has, counting no further than ``limit + 1`` (never a full COUNT)."""
    return qs.order_by().values("pk")[: limit + 1].count()


def shown_count(qs: QuerySet, limit: int) -> int | str:
    """A total for a page: exact up to ``limit``, else "``limit``+" (read no further)."""
    n = bounded_count(qs, limit)
    return n if n <= limit else f"{limit}+"
