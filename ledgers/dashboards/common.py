"""The grouped queries behind the dashboard and the monthly report: each figure of an area's
subtree in one query, grouped under the child division by the prefix of the business's own copy
of its division's path (``Entity.division_path``), so no query joins the divisions and the number
of queries does not depend on the number of children."""

import dataclasses
import datetime

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from baobao.scoping import division_in_scope
from cadres.models import Assignment, CadreStatus
from cadres.selectors.overview import OPEN_STATUSES
from entities.models import Entity, EntityStatus, Grade
from inspections.models import Issue, Visit
from inspections.quarters import Quarter
from inspections.selectors import held_on
from inspections.services import VISIT_GRACE_DAYS

GRADES = [grade.value for grade in Grade]
# Closed quarters' figures are kept this long; a refresh task rewrites them before they expire.
CLOSED_QUARTER_CACHE = 8 * 24 * 3600
# The path of a row's business, on the row's own table for a business, through the business for
# the rows of a business (holdings, visits, issues).
ENTITY_PATH = "division_path"
ROW_PATH = "entity__division_path"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def last_ended_quarter(today: datetime.date) -> Quarter:
    return Quarter.of(today).previous()


def is_settled(quarter: Quarter, today: datetime.date) -> bool:
    """True once no visit can be logged for ``quarter`` any more, so its figures are final."""
    return today > quarter.last_day + datetime.timedelta(days=VISIT_GRACE_DAYS)


def child_digits(division: Division) -> int:
    """The length of the path of ``division``'s children (a village's own, at the bottom)."""
    if division.level < Level.VILLAGE:
        return PATH_DIGITS[Level(division.level + 1)]
    return PATH_DIGITS[Level.VILLAGE]


def children(division: Division) -> list[Division]:
    return list(Division.objects.filter(parent=division).order_by("code"))


class VisitRate:
    """Figures with the businesses due a visit (``due``) and those visited (``visited``): the
    visit rate, or None when nothing was due."""

    @property
    def rate(self) -> float | None:
        return ratio(self.visited, self.due)


class Summable:
    """The figures of an area (a dataclass) that add up across areas: ``add`` sums every number
    but ``overdue_cadres`` (a cadre is counted once in all, whatever the areas). Every such area
    has open businesses (``open``), some of them held (``covered``)."""

    @property
    def coverage(self) -> float | None:
        return ratio(self.covered, self.open)

    def add(self, other) -> None:
        for name in (f.name for f in dataclasses.fields(self) if f.name != "overdue_cadres"):
            value = getattr(self, name)
            if type(value) in (int, float):  # not a bool, a division, a dict or a list
                setattr(self, name, value + getattr(other, name))


def child_rows(division: Division, figures, sources) -> list:
    """A row per child division of ``division`` in code order (``figures(area, path)``), and one
    for the businesses registered on ``division`` itself (``direct=True``) when any of
    ``sources`` (figures per path) has some."""
    rows = [figures(child, child.path) for child in children(division)]
    if all(row.division.path != division.path for row in rows) and any(
        division.path in source for source in sources
    ):
        rows.append(figures(division, division.path, direct=True))
    return rows


def totalled(total: Summable, rows: list, overdue_cadres: int) -> Summable:
    """``total`` with every row added in; overdue cadres are counted once in all, not summed."""
    for row in rows:
        total.add(row)
    total.overdue_cadres = overdue_cadres
    return total


def by_child(qs: QuerySet, column: str, digits: int, **aggregates) -> dict[str, dict]:
    """``aggregates`` of ``qs`` grouped by the child path prefix of ``column``: {path: row}."""
    rows = (
        qs.annotate(child_path=Substr(column, 1, digits))
        .values("child_path")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["child_path"]: row for row in rows}


def area_entities(entities: QuerySet[Entity], division: Division) -> QuerySet[Entity]:
    return entities.filter(**{f"{ENTITY_PATH}__startswith": division.path})


def area_rows(qs: QuerySet, division: Division) -> QuerySet:
    """Holdings, visits or issues of the businesses in ``division``'s subtree."""
    return qs.filter(**{f"{ROW_PATH}__startswith": division.path})


def sees_whole_area(user, division: Division) -> bool:
    """An office (or the admin) that may open ``division`` sees all of it, so figures of the whole
    area (a snapshot, the running counts, the coverage history) are exactly its scoped ones."""
    return user.is_system_admin or (user.is_office and division_in_scope(user, division))


def user_area(user, division: Division) -> dict[str, QuerySet]:
    """The user's businesses, holdings, visits and issues in ``division``'s subtree."""
    return {
        "entities": area_entities(Entity.objects.for_user(user), division),
        "holdings": area_rows(Assignment.objects.for_user(user), division),
        "visits": area_rows(Visit.objects.for_user(user), division),
        "issues": area_rows(Issue.objects.for_user(user), division),
    }


def unscoped_area(division: Division) -> dict[str, QuerySet]:
    """Every business, holding, visit and issue in ``division``'s subtree, for the system's
    refresh tasks; whoever may open ``division`` sees all of it."""
    return {
        "entities": area_entities(Entity.objects.all(), division),
        "holdings": area_rows(Assignment.objects.all(), division),
        "visits": area_rows(Visit.objects.all(), division),
        "issues": area_rows(Issue.objects.all(), division),
    }


def entity_counts(entities: QuerySet[Entity], digits: int) -> dict[str, dict]:
    """Open businesses per grade."""
    is_open = Q(status__in=OPEN_STATUSES)
    return by_child(
        entities,
        ENTITY_PATH,
        digits,
        open=Count("pk", filter=is_open),
        **{f"grade_{g}": Count("pk", filter=is_open & Q(grade=g)) for g in GRADES},
    )


def _due_on(day: datetime.date, today: datetime.date) -> Q:
    """The holdings that make a business due in the quarter whose reference day is ``day`` (the
    rules of inspections.quarters, as ``inspections.selectors.supervision_rate`` applies them)."""
    due = held_on(day)
    if day == today:
        # The current quarter: a business closed today but still held is no longer due.
        due &= ~Q(entity__status=EntityStatus.CLOSED)
    return due


def reference_days(quarters: list[Quarter], today: datetime.date) -> dict[Quarter, datetime.date]:
    return {quarter: quarter.reference_day(today) for quarter in quarters}


def holding_counts(
    holdings: QuerySet[Assignment],
    digits: int,
    days: dict[Quarter, datetime.date],
    today: datetime.date,
    with_covered: bool = True,
) -> dict[str, dict]:
    """From the holdings, in one pass: the open businesses held now by a cadre in post
    (``covered``, unless not ``with_covered``), and the businesses due in each of ``quarters``
    (``due_<code>``)."""
    covered = Q(
        end_date__isnull=True,
        cadre__status=CadreStatus.ACTIVE,
        entity__status__in=OPEN_STATUSES,
    )
    window = Q(end_date__isnull=True) if with_covered else Q(pk__in=[])
    for day in days.values():
        window |= held_on(day)
    return by_child(
        holdings.filter(window),
        ROW_PATH,
        digits,
        **({"covered": Count("entity", distinct=True, filter=covered)} if with_covered else {}),
        **{
            f"due_{q.code}": Count("entity", distinct=True, filter=_due_on(day, today))
            for q, day in days.items()
        },
    )


def visited_counts(
    visits: QuerySet[Visit],
    digits: int,
    days: dict[Quarter, datetime.date],
    today: datetime.date,
) -> dict[str, dict]:
    """The due businesses visited in each of ``quarters``: {path: {"visited_<code>": n}}. One
    query over the quarters' visits joined to the holding that made the business due."""
    if not days:
        return {}
    # Each visit is matched to a holding open on its own quarter's reference day: one equi-join
    # on the business rather than an OR of one join condition per quarter.
    reference_day = Case(
        *(When(quarter=q.code, then=Value(day)) for q, day in days.items()),
        output_field=DateField(),
    )
    if len(days) == 1:
        # One quarter (the usual case, the others cached): the day itself, which the planner
        # can estimate (through the CASE it expects a seventh of the rows and picks a nested loop
        # over the businesses: 1.2 s of the province's 2 s).
        reference_day = Value(next(iter(days.values())), output_field=DateField())
    visits = visits.filter(quarter__in=[q.code for q in days]).annotate(day=reference_day)
    visits = visits.filter(
        Q(entity__assignments__start_date__lte=F("day"))
        & (
            Q(entity__assignments__end_date__isnull=True)
            | Q(entity__assignments__end_date__gt=F("day"))
        )
    )
    for quarter, day in days.items():
        if day == today:
            # The current quarter: a business closed today but still held is no longer due.
            visits = visits.exclude(quarter=quarter.code, entity__status=EntityStatus.CLOSED)
    rows = (
        visits.annotate(child_path=Substr(ROW_PATH, 1, digits))
        .values("child_path", "quarter")
        .annotate(n=Count("entity", distinct=True))
        .order_by()
    )
    result: dict[str, dict] = {}
    for row in rows:
        result.setdefault(row["child_path"], {})[f"visited_{row['quarter']}"] = row["n"]
    return result


def _overdue_counts(
    holdings: QuerySet[Assignment], digits: int, quarter: Quarter
) -> tuple[dict[str, int], int]:
    day = quarter.last_day
    unvisited = holdings.filter(held_on(day)).exclude(
        Exists(Visit.objects.filter(entity=OuterRef("entity"), quarter=quarter.code))
    )
    per_child = {
        path: row["n"]
        for path, row in by_child(
            unvisited, ROW_PATH, digits, n=Count("cadre", distinct=True)
        ).items()
    }
    return per_child, unvisited.aggregate(n=Count("cadre", distinct=True))["n"]


def overdue_figures(
    holdings: QuerySet[Assignment],
    division: Division,
    digits: int,
    quarter: Quarter,
    today: datetime.date,
    refresh: bool = False,
) -> tuple[dict[str, int], int]:
    """Cadres who, on the last day of ``quarter`` (an ended quarter), held a business of
    ``holdings`` that had no visit in it: per child path, and in all (each cadre counted once).
    Cached per area once the quarter is settled; ``refresh`` recomputes the cached figures."""
    if not is_settled(quarter, today):
        return _overdue_counts(holdings, digits, quarter)
    key = f"dashboard:overdue:{division.path or '-'}:{digits}:{quarter.code}"
    figures = None if refresh else cache.get(key)
    if figures is None:
        figures = _overdue_counts(holdings, digits, quarter)
        cache.set(key, figures, CLOSED_QUARTER_CACHE)
    return figures
