"""The office's completion rates of the three records (日管控/周排查/月调度), by area (child
division), business type or grade, from two grouped queries: the businesses in scope by group,
type and grade (to apply the policy), and the periods kept by the same keys. The periods kept
come from the monthly summary (``RecordMonth``: per business, kind and month, one bit per day
an original record is for), never from the records table, so the page reads a few rows per
business whatever the records' number: the bits of the days from ``start`` to ``end`` counted
with ``bit_count``."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, Func, IntegerField, Sum, Value, When
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from enterprises.models import RecordKind, RecordMonth
from enterprises.policy import PolicyTable, due_periods
from entities.models import BusinessType, Entity, EntityStatus, Grade

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
    business under ``division`` is in scope: the summary is joined to the businesses by that
    condition directly (one join, not a second semi-join through the scope)."""
    if not (user.is_office or user.is_system_admin):
        return []
    if not Division.objects.for_user(user).filter(pk=division.pk).exists():
        return []
    in_area = {"division_path__startswith": division.path, "status": EntityStatus.ACTIVE}
    entities = Entity.objects.for_user(user).filter(**in_area)
    key = _key(grouping, division)
    periods = {kind: len(due_periods(kind, start, end)) for kind in RecordKind}
    policy = PolicyTable()
    rows: dict[str, RateRow] = {}
    groups = (
        entities.annotate(group=key, rule_area=policy.area_case())
        .values("group", "rule_area", "business_type", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for g in groups:
        row = rows.setdefault(g["group"], RateRow(g["group"], g["group"], 0, {}, {}))
        row.businesses += g["n"]
        for kind in policy.kinds(g["business_type"], g["grade"], g["rule_area"]):
            row.due[kind] = row.due.get(kind, 0) + g["n"] * periods[kind]
    kept = (
        RecordMonth.objects.filter(
            **{f"entity__{lookup}": value for lookup, value in in_area.items()},
            month__range=(start.replace(day=1), end.replace(day=1)),
        )
        .annotate(
            group=_record_key(grouping, division),
            rule_area=policy.area_case("entity__division_path"),
            business_type=F("entity__business_type"),
            grade=F("entity__grade"),
        )
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


def _days_in_range(start: datetime.date, end: datetime.date):
    """The number of a summary row's days from ``start`` to ``end``: its bits under the mask of
    those days of its month."""
    whens = []
    for month in _months(start, end):
        first = max(start, month).day
        last = end.day if (end.year, end.month) == (month.year, month.month) else 31
        mask = sum(1 << (day - 1) for day in range(first, last + 1))
        whens.append(When(month=month, then=Value(mask)))
    masked = F("days").bitand(Case(*whens, default=Value(0), output_field=IntegerField()))
    return Func(
        masked, template="bit_count((%(expressions)s)::bit(32))", output_field=IntegerField()
    )


def _record_key(grouping: str, division: Division):
    if grouping == "area":
        digits = PATH_DIGITS[Level(min(division.level + 1, Level.VILLAGE))]
        return Substr("entity__division_path", 1, digits)
    return F(f"entity__{grouping}")


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
