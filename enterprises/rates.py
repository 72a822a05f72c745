"""The office's completion rates of the three records (日管控/周排查/月调度), by area (child
division), business type or grade, from two grouped queries: the active businesses by group,
type and grade (to apply the policy), and the periods kept by the same keys. A city or a
province reads the rates' rollup (``enterprises.rollup``: per county, type and grade, the
businesses, and per kind and month how many kept each day), so its page sums rows per county
whatever its number of businesses; a county or below reads its businesses, then their monthly
summaries (``RecordMonth``: one bit per kept day) by id, a county's size at most. Neither reads
the records table."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr

from baobao.batches import batched
from baobao.models import PATH_DIGITS, Division, Level
from enterprises.models import RateDays, RateTally, RecordKind, RecordMonth
from enterprises.policy import PolicyTable, due_periods
from enterprises.rollup import AREA_DIGITS
from enterprises.rollup import kept as rollup_kept
from entities.models import BusinessType, Entity, EntityStatus, Grade

GROUPINGS = ("area", "business_type", "grade")
# What a business is grouped and ruled by: its group (area, type or grade), its nearest area
# with rules of its own, its type and grade.
GROUP_KEYS = ("group", "rule_area", "business_type", "grade")
# A county's ids in one query (one scan of the summaries, not one per batch), under SQLite's
# 32,766 parameters.
IDS_PER_QUERY = 30_000


@dataclass
class RateRow:
    key: str
    label: str
    businesses: int = 0
    due: dict = None
    done: dict = None
    division_id: int | None = None

    def rates(self) -> list[dict]:
        out = []
        for kind in RecordKind:
            due, done = self.due.get(kind, 0), self.done.get(kind, 0)
            out.append(
                {
                    "kind": kind,
                    "due": due,
                    "done": done,
                    "rate": round(100 * done / due, 1) if due else None,
                }
            )
        return out


def _key(grouping: str, division: Division, field: str = "division_path"):
    if grouping == "area":
        digits = PATH_DIGITS[Level(min(division.level + 1, Level.VILLAGE))]
        return Substr(field, 1, digits)
    return F(grouping)


def _from_rollup(division: Division, policy: PolicyTable, grouping: str) -> bool:
    """The rollup serves a city or a province (its rows are per county), and a county's rates by
    type or grade (its own rows), as long as no policy area lies below a county (the office sets
    rules at county level or above), on a database that keeps it (PostgreSQL). A county by area
    (its townships) and anything below a county read the businesses."""
    if not rollup_kept():
        return False
    above = division.level < Level.COUNTY or (division.level == Level.COUNTY and grouping != "area")
    return above and all(len(a) <= AREA_DIGITS for a in policy.areas)


def completion_rates(
    *, user, division: Division, grouping: str, start: datetime.date, end: datetime.date
) -> list[RateRow]:
    """Rows per group: businesses, and per kind the periods due and kept from ``start`` to
    ``end``, under the office's policy and the working-day calendar. Nothing for a division
    outside the user's area. An office's area is a subtree, so inside an area in scope every
    business under ``division`` is in scope: a city or province sums the rollup rows under its
    path, a county or below its businesses' monthly summary (a county's size at most)."""
    if not (user.is_office or user.is_system_admin):
        return []
    if not Division.objects.for_user(user).filter(pk=division.pk).exists():
        return []
    periods = {kind: len(due_periods(kind, start, end)) for kind in RecordKind}
    policy = PolicyTable()
    if _from_rollup(division, policy, grouping):
        groups, kept = _rollup_queries(division, grouping, policy, start, end)
    else:
        groups, kept = _business_queries(division, grouping, policy, start, end)
    rows: dict[str, RateRow] = {}
    for g in groups:
        row = rows.setdefault(g["group"], RateRow(g["group"], g["group"], 0, {}, {}))
        row.businesses += g["total"]
        for kind in policy.kinds(g["business_type"], g["grade"], g["rule_area"]):
            row.due[kind] = row.due.get(kind, 0) + g["total"] * periods[kind]
    for r in kept:
        if r["kind"] not in policy.kinds(r["business_type"], r["grade"], r["rule_area"]):
            continue  # a record the policy does not ask for counts for nothing
        row = rows.get(r["group"])
        if row is not None:
            row.done[r["kind"]] = row.done.get(r["kind"], 0) + r["n"]
    _label(rows, grouping, user, division)
    return sorted(rows.values(), key=lambda r: r.key)


def _rollup_queries(division, grouping, policy, start, end):
    """Businesses and kept days per group from the rollup: rows per county, type, grade (and
    kind and month), whatever the number of businesses."""
    key = _key(grouping, division, "area_path")
    groups = (
        RateTally.objects.filter(area_path__startswith=division.path, n__gt=0)
        .annotate(group=key, rule_area=policy.area_case("area_path"))
        .values("group", "rule_area", "business_type", "grade")
        .annotate(total=Sum("n"))
        .order_by()
    )
    kept = (
        RateDays.objects.filter(
            area_path__startswith=division.path,
            month__range=(start.replace(day=1), end.replace(day=1)),
        )
        .annotate(group=key, rule_area=policy.area_case("area_path"))
        .values("group", "rule_area", "kind", "business_type", "grade")
        .annotate(n=Sum(_rollup_days(start, end)))
        .order_by()
    )
    return groups, kept


def _business_queries(division, grouping, policy, start, end):
    """Businesses and kept days per group from the businesses under ``division`` and their
    monthly summary (``RecordMonth``): a county's at most. The businesses are read first (id and
    group keys, one indexed range of paths), then their summaries by id on the summary's unique
    index, and the two are put together here: joined in SQL, the planner took a county for a
    hundred businesses (a prefix match and its index range counted twice) and merged the whole
    province's summaries by id (0.4 s at 1M businesses)."""
    keys = (
        Entity.objects.filter(division_path__startswith=division.path, status=EntityStatus.ACTIVE)
        .annotate(group=_key(grouping, division), rule_area=policy.area_case())
        .values_list("pk", "group", "rule_area", "business_type", "grade")
        .order_by()
    )
    of: dict[int, tuple] = {}
    totals: dict[tuple, int] = {}
    for pk, *key in keys:
        key = tuple(key)
        of[pk] = key
        totals[key] = totals.get(key, 0) + 1
    groups = [{**dict(zip(GROUP_KEYS, key, strict=True)), "total": n} for key, n in totals.items()]
    kept: dict[tuple, int] = {}
    months = (start.replace(day=1), end.replace(day=1))
    for chunk in batched(sorted(of), IDS_PER_QUERY):
        summaries = (
            RecordMonth.objects.filter(entity_id__in=chunk, month__range=months)
            .values("entity_id", "kind")
            .annotate(n=Sum(_summary_days(start, end)))
            .order_by()
        )
        for row in summaries:
            key = (*of[row["entity_id"]], row["kind"])
            kept[key] = kept.get(key, 0) + row["n"]
    return groups, [
        {**dict(zip((*GROUP_KEYS, "kind"), key, strict=True)), "n": n} for key, n in kept.items()
    ]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _day_ranges(start: datetime.date, end: datetime.date):
    """(month, first day, last day) of each month from ``start`` to ``end``."""
    for month in _months(start, end):
        first = max(start, month).day
        last = end.day if (end.year, end.month) == (month.year, month.month) else 31
        yield month, first, last


def _summary_days(start: datetime.date, end: datetime.date):
    """The number of a summary row's days from ``start`` to ``end``: its bits under the mask of
    those days of its month."""
    whens = [
        When(month=month, then=Value(sum(1 << (day - 1) for day in range(first, last + 1))))
        for month, first, last in _day_ranges(start, end)
    ]
    masked = F("days").bitand(Case(*whens, default=Value(0), output_field=IntegerField()))
    if connection.vendor != "postgresql":  # no bit_count: the bits one by one
        return sum((masked.bitrightshift(i).bitand(1) for i in range(31)), Value(0))
    return Func(
        masked, template="bit_count((%(expressions)s)::bit(32))", output_field=IntegerField()
    )


def _rollup_days(start: datetime.date, end: datetime.date) -> RawSQL:
    """Of a rollup row, the kept days from ``start`` to ``end``: the sum of its counts of
    those days of its month."""
    table = RateDays._meta.db_table
    whens, params = [], []
    for month, first, last in _day_ranges(start, end):
        terms = " + ".join(f'"{table}"."days"[{day}]' for day in range(first, last + 1))
        whens.append(f"WHEN %s::date THEN {terms}")
        params.append(month)
    sql = f'CASE "{table}"."month" {" ".join(whens)} ELSE 0 END'
    return RawSQL(sql, params, output_field=IntegerField())


def _label(rows: dict, grouping: str, user, division: Division) -> None:
    if grouping == "business_type":
        labels = dict(BusinessType.choices)
    elif grouping == "grade":
        labels = dict(Grade.choices)
    else:
        divisions = Division.objects.for_user(user).filter(path__in=list(rows))
        labels = {d.path: d.name for d in divisions}
        ids = {d.path: d.pk for d in divisions}
        for row in rows.values():
            row.division_id = ids.get(row.key)
    for row in rows.values():
        row.label = str(labels.get(row.key, row.key))
