"""Reads for supervision: the quarter's due list, supervision rates (季度督导率), the visits and
issues ledgers, and an entity's recent quarters. Everything is computed set-based in the database
by the rules in ``inspections.quarters``; closures need no history: closing a business ends its
holding, so a business closed before a quarter's reference day is simply not held on it.
"""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from cadres.models import Assignment, Cadre
from entities.models import Entity, EntityStatus
from inspections.models import Issue, IssueStatus, Visit
from inspections.quarters import Quarter


class DaysSince(Func):
    """Whole days from a date column to ``day`` (``day - column``), on PostgreSQL and SQLite."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def __init__(self, day: datetime.date, column: str):
        super().__init__(Value(day, output_field=DateField()), F(column))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def held_on(day: datetime.date, **conditions) -> Q:
    """A holding (through ``assignments``) open on ``day``: start inclusive, end exclusive."""
    return Q(start_date__lte=day, **conditions) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def _holding_exists(day: datetime.date, **conditions) -> Exists:
    return Exists(Assignment.objects.filter(held_on(day, entity=OuterRef("pk"), **conditions)))


def _visited_in(quarter: Quarter) -> Exists:
    return Exists(Visit.objects.filter(entity=OuterRef("pk"), quarter=quarter.code))


def _due(qs: QuerySet[Entity], quarter: Quarter, today: datetime.date, **holding):
    """Narrow ``qs`` to the entities due in ``quarter`` (optionally for one holder)."""
    day = quarter.reference_day(today)
    qs = qs.filter(_holding_exists(day, **holding))
    if day == today:
        # The current quarter: a business closed today but still held is no longer due.
        qs = qs.exclude(status=EntityStatus.CLOSED)
    return qs


def due_entities(*, cadre: Cadre, quarter: Quarter, today: datetime.date) -> QuerySet[Entity]:
    """The businesses ``cadre`` must visit in ``quarter``, each with ``visited`` and
    ``last_visit_at``; not yet visited first, then by name. One query."""
    last_visit = Visit.objects.filter(entity=OuterRef("pk"), quarter__lte=quarter.code).order_by(
        "-visited_at"
    )
    return (
        _due(Entity.objects.all(), quarter, today, cadre=cadre)
        .select_related("division")
        .annotate(
            visited=_visited_in(quarter),
            last_visit_at=Subquery(last_visit.values("visited_at")[:1]),
        )
        .order_by("visited", "name", "id")
    )


def _rate(due: int, visited: int) -> dict:
    return {"due": due, "visited": visited, "rate": visited / due if due else None}


def _counts(quarter: Quarter) -> dict:
    return {
        "due": Count("pk", distinct=True),
        "visited": Count("pk", distinct=True, filter=_visited_in(quarter)),
    }


def supervision_rate(*, entities: QuerySet[Entity], quarter: Quarter, today: datetime.date) -> dict:
    """季度督导率 of already-scoped ``entities``: {due, visited, rate}; rate is None when none is due."""
    totals = _due(entities, quarter, today).aggregate(**_counts(quarter))
    return _rate(totals["due"], totals["visited"])


def cadre_rate(*, cadre: Cadre, quarter: Quarter, today: datetime.date) -> dict:
    """The supervision rate of one cadre's due list."""
    return supervision_rate(
        entities=_due(Entity.objects.all(), quarter, today, cadre=cadre),
        quarter=quarter,
        today=today,
    )


def rates_by_child_division(
    *, user, division: Division, quarter: Quarter, today: datetime.date
) -> list:
    """Per child division of ``division`` (in code order): {division, due, visited, rate}.

    One grouped query over the subtree, grouping each business under its child's path prefix;
    businesses registered directly on ``division`` itself are reported under ``division``.
    """
    children = list(
        Division.objects.for_user(user)
        .filter(path__startswith=division.path, level=division.level + 1)
        .order_by("code")
    )
    rows = {}
    if division.level < Level.VILLAGE:
        digits = PATH_DIGITS[Level(division.level + 1)]
        entities = Entity.objects.for_user(user).filter(division__path__startswith=division.path)
        rows = {
            row["child_path"]: row
            for row in _due(entities, quarter, today)
            .annotate(child_path=Substr("division__path", 1, digits))
            .values("child_path")
            .annotate(**_counts(quarter))
            .order_by()
        }
    result = []
    for child in [division, *children]:
        row = rows.get(child.path)
        if child is division and row is None:
            continue
        due, visited = (row["due"], row["visited"]) if row else (0, 0)
        result.append({"division": child, **_rate(due, visited)})
    return result


def _grouped(entities: QuerySet[Entity], quarter: Quarter, today, key: str, column) -> list:
    day = quarter.reference_day(today)
    # One join to the holding open on the reference day (at most one per business), so the
    # holder's level can be grouped on.
    held = entities.filter(
        Q(assignments__start_date__lte=day)
        & (Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gt=day))
    )
    if day == today:
        held = held.exclude(status=EntityStatus.CLOSED)
    if column is not None:
        held = held.annotate(**{key: column})
    rows = held.values(key).annotate(**_counts(quarter)).order_by(key)
    return [{key: row[key], **_rate(row["due"], row["visited"])} for row in rows]


def rates_by_level(*, entities: QuerySet[Entity], quarter: Quarter, today: datetime.date) -> list:
    """Per level of the holding cadre on the reference day: [{level, due, visited, rate}]."""
    return _grouped(entities, quarter, today, "level", F("assignments__cadre__division__level"))


def rates_by_grade(*, entities: QuerySet[Entity], quarter: Quarter, today: datetime.date) -> list:
    """Per grade of the business: [{grade, due, visited, rate}]."""
    return _grouped(entities, quarter, today, "grade", None)


def _filtered(qs: QuerySet, filters) -> QuerySet:
    """Apply a bound FilterSet; an invalid choice shows nothing rather than everything."""
    if filters is None or not filters.is_bound:
        return qs
    if not filters.form.is_valid():
        return qs.none()
    return filters.filter_queryset(qs)


def visit_ledger(*, user, filters=None) -> QuerySet[Visit]:
    """督导工作台账: the visits the user may see, filtered, with the table's columns joined."""
    qs = _filtered(Visit.objects.for_user(user), filters)
    return qs.select_related("entity__division", "cadre__division", "logged_by").order_by(
        "-visited_at", "-id"
    )


def overdue_condition(today: datetime.date) -> Q:
    return ~Q(status=IssueStatus.CLOSED) & Q(deadline__lt=today)


def issue_ledger(*, user, today: datetime.date, filters=None) -> QuerySet[Issue]:
    """问题与处理台账: the issues the user may see as on ``today``, filtered, annotated ``overdue``
    and ``days_overdue`` (0 unless overdue), with the table's columns joined. ``filters`` (an
    IssueFilter) must have been made with the same ``today``."""
    overdue = overdue_condition(today)
    qs = _filtered(Issue.objects.for_user(user), filters)
    return (
        qs.select_related("entity__division", "visit__cadre__division", "raised_by")
        .annotate(
            overdue=Case(
                When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            days_overdue=Case(
                When(overdue, then=DaysSince(today, "deadline")),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-created_at", "-id")
    )


def entity_quarter_status(*, entity: Entity, today: datetime.date, quarters: int = 4) -> list[dict]:
    """The entity's last ``quarters`` quarters up to ``today``'s, newest first:
    {quarter, due, visited, visits}. Two small queries (its holdings, its visit counts) whatever
    the number of quarters.
    """
    recent = [Quarter.of(today)]
    while len(recent) < quarters:
        recent.append(recent[-1].previous())
    holdings = list(entity.assignments.values_list("start_date", "end_date"))
    counts = dict(
        Visit.objects.filter(entity=entity, quarter__in=[q.code for q in recent])
        .values("quarter")
        .annotate(n=Count("pk"))
        .values_list("quarter", "n")
        .order_by()
    )
    result = []
    for quarter in recent:
        day = quarter.reference_day(today)
        due = any(start <= day and (end is None or end > day) for start, end in holdings)
        if day == today and entity.status == EntityStatus.CLOSED:
            due = False
        visits = counts.get(quarter.code, 0)
        result.append({"quarter": quarter, "due": due, "visited": visits > 0, "visits": visits})
    return result


def entity_summary(*, user, entity: Entity, visits: int = 3) -> dict:
    """One business at a glance for the visit form: its last visits and its open issues."""
    return {
        "last_visits": list(
            Visit.objects.for_user(user)
            .filter(entity=entity)
            .select_related("cadre")
            .order_by("-visited_at", "-id")[:visits]
        ),
        "open_issues": list(
            Issue.objects.for_user(user)
            .filter(entity=entity)
            .exclude(status=IssueStatus.CLOSED)
            .order_by("deadline", "id")
        ),
    }
