"""The office's completion rates of the three records (日管控/周排查/月调度), by area (child
division), business type or grade, from two grouped queries of the rates' rollup
(``enterprises.rollup``): the active businesses per division, type and grade (to apply the
policy), and per kind and month how many of them kept each day, by the same keys. So a
province's page sums rows per division, type, grade, kind and month, whatever its number of
businesses or records: the counts of the days from ``start`` to ``end`` added up."""

import datetime
from dataclasses import dataclass

from django.db.models import F, IntegerField, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from enterprises.models import RateDays, RateTally, RecordKind
from enterprises.policy import PolicyTable, due_periods
from entities.models import BusinessType, Grade

GROUPINGS = ("area", "business_type", "grade")


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


def _key(grouping: str, division: Division):
    if grouping == "area":
        digits = PATH_DIGITS[Level(min(division.level + 1, Level.VILLAGE))]
        return Substr("division_path", 1, digits)
    return F(grouping)


def completion_rates(
    *, user, division: Division, grouping: str, start: datetime.date, end: datetime.date
) -> list[RateRow]:
    """Rows per group: businesses, and per kind the periods due and kept from ``start`` to
    ``end``, under the office's policy and the working-day calendar. Nothing for a division
    outside the user's area. An office's area is a subtree, so inside an area in scope every
    business under ``division`` is in scope: the rollup rows under its path are summed."""
    if not (user.is_office or user.is_system_admin):
        return []
    if not Division.objects.for_user(user).filter(pk=division.pk).exists():
        return []
    key = _key(grouping, division)
    periods = {kind: len(due_periods(kind, start, end)) for kind in RecordKind}
    policy = PolicyTable()
    rows: dict[str, RateRow] = {}
    groups = (
        RateTally.objects.filter(division_path__startswith=division.path, n__gt=0)
        .annotate(group=key, rule_area=policy.area_case())
        .values("group", "rule_area", "business_type", "grade")
        .annotate(total=Sum("n"))
        .order_by()
    )
    for g in groups:
        row = rows.setdefault(g["group"], RateRow(g["group"], g["group"], 0, {}, {}))
        row.businesses += g["total"]
        for kind in policy.kinds(g["business_type"], g["grade"], g["rule_area"]):
            row.due[kind] = row.due.get(kind, 0) + g["total"] * periods[kind]
    kept = (
        RateDays.objects.filter(
            division_path__startswith=division.path,
            month__range=(start.replace(day=1), end.replace(day=1)),
        )
        .annotate(group=key, rule_area=policy.area_case())
        .values("group", "rule_area", "kind", "business_type", "grade")
        .annotate(n=Sum(_days_in_range(start, end)))
        .order_by()
    )
    for r in kept:
        if r["kind"] not in policy.kinds(r["business_type"], r["grade"], r["rule_area"]):
            continue  # a record the policy does not ask for counts for nothing
        row = rows.get(r["group"])
        if row is not None:
            row.done[r["kind"]] = row.done.get(r["kind"], 0) + r["n"]
    _label(rows, grouping, user, division)
    return sorted(rows.values(), key=lambda r: r.key)


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _days_in_range(start: datetime.date, end: datetime.date) -> RawSQL:
    """Of a rollup row, the kept days from ``start`` to ``end``: the sum of its counts of
    those days of its month."""
    table = RateDays._meta.db_table
    whens, params = [], []
    for month in _months(start, end):
        first = max(start, month).day
        last = end.day if (end.year, end.month) == (month.year, month.month) else 31
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
