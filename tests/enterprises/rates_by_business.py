"""The rates computed per business (the implementation before the rollup, issue 16): the oracle
the rollup-based ``completion_rates`` must equal for any range and scope. It reads every
business in scope and its ``RecordMonth`` rows, so it grows with the businesses."""

import datetime

from django.db.models import Case, Count, F, Func, IntegerField, Sum, Value, When
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from enterprises.models import RecordKind, RecordMonth
from enterprises.policy import PolicyTable, due_periods
from enterprises.rates import RateRow, _key, _label, _months
from entities.models import Entity, EntityStatus


def _days_in_range(start: datetime.date, end: datetime.date):
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


def rates_by_business(*, user, division, grouping, start, end) -> list[RateRow]:
    if not Division.objects.for_user(user).filter(pk=division.pk).exists():
        return []
    in_area = {"division_path__startswith": division.path, "status": EntityStatus.ACTIVE}
    entities = Entity.objects.for_user(user).filter(**in_area)
    periods = {kind: len(due_periods(kind, start, end)) for kind in RecordKind}
    policy = PolicyTable()
    rows: dict[str, RateRow] = {}
    groups = (
        entities.annotate(group=_key(grouping, division), rule_area=policy.area_case())
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
            continue
        row = rows.get(r["group"])
        if row is not None:
            row.done[r["kind"]] = row.done.get(r["kind"], 0) + r["n"]
    _label(rows, grouping, user, division)
    return sorted(rows.values(), key=lambda r: r.key)


def table(rows: list[RateRow]) -> list[tuple]:
    """What the page shows of the rows, comparable."""
    return [(r.key, r.label, r.businesses, r.division_id, r.rates()) for r in rows]
