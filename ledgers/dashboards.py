"""Reads of the dashboard (/dashboard/): one row of figures per child division of an area, and the
area's totals, each figure a grouped query over the area's subtree.

Every query groups the subtree's rows under their child division by the child's path prefix (the
pattern of ``inspections.selectors.rates_by_child_division``), so the number of queries does not
depend on the number of children. Definitions:

- businesses by grade, and the coverage base: open businesses (in business or suspended);
- coverage (全覆盖): the share of open businesses held now by a cadre in post;
- supervision rate (季度督导率): the rules of ``inspections.quarters``, for this quarter (so far)
  and the four quarters before it (the trend);
- overdue cadres: cadres who, on the last day of the last quarter that has ended, held a business
  in the area that had no visit in that quarter; a cadre is counted once per area and once in the
  total, whatever the number of such businesses;
- issues: open means not yet closed (销号), overdue means open and past its deadline, both as of
  today; closure rate and average days to close are over the issues raised since the first day of
  the oldest quarter of the trend.

Figures of a quarter that can no longer change (past the grace period for late visits) are cached
per area and quarter, so a province's trend is computed once.
"""

import datetime
from dataclasses import dataclass, field

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
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from baobao.models import PATH_DIGITS, Division, Level
from cadres.models import Assignment, CadreStatus
from cadres.selectors.overview import OPEN_STATUSES
from entities.models import Entity, EntityStatus, Grade
from inspections.models import Issue, IssueStatus, Visit
from inspections.quarters import Quarter
from inspections.selectors import held_on, overdue_condition
from inspections.services import VISIT_GRACE_DAYS
from ledgers.selectors.common import local_midnight

# The trend: this quarter and the TREND_QUARTERS - 1 quarters before it.
TREND_QUARTERS = 5
# Closed quarters' figures are kept this long; a refresh task rewrites them before they expire.
CLOSED_QUARTER_CACHE = 8 * 24 * 3600
GRADES = [grade.value for grade in Grade]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class QuarterRate:
    quarter: Quarter
    due: int = 0
    visited: int = 0

    @property
    def rate(self) -> float | None:
        return _ratio(self.visited, self.due)


@dataclass
class AreaFigures:
    """The dashboard's figures of one area: a child division, the area's own businesses, or the
    total of the area."""

    division: Division
    # True for the businesses registered on the chosen area itself rather than on a child.
    direct: bool = False
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    open: int = 0
    covered: int = 0
    rates: list[QuarterRate] = field(default_factory=list)
    overdue_cadres: int = 0
    issues_open: int = 0
    issues_overdue: int = 0
    issues_raised: int = 0
    issues_closed: int = 0
    close_days_total: float = 0.0

    @property
    def coverage(self) -> float | None:
        return _ratio(self.covered, self.open)

    @property
    def current(self) -> QuarterRate:
        return self.rates[-1]

    @property
    def trend(self) -> list[QuarterRate]:
        """The quarters before this one, oldest first."""
        return self.rates[:-1]

    @property
    def closure_rate(self) -> float | None:
        return _ratio(self.issues_closed, self.issues_raised)

    @property
    def average_days_to_close(self) -> float | None:
        return self.close_days_total / self.issues_closed if self.issues_closed else None

    def add(self, other: "AreaFigures") -> None:
        """Add ``other``'s additive figures to these (overdue cadres are not additive)."""
        for grade in GRADES:
            self.grades[grade] += other.grades[grade]
        for name in (
            "open",
            "covered",
            "issues_open",
            "issues_overdue",
            "issues_raised",
            "issues_closed",
            "close_days_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in zip(self.rates, other.rates, strict=True):
            mine.due += theirs.due
            mine.visited += theirs.visited


def trend_quarters(today: datetime.date, count: int = TREND_QUARTERS) -> list[Quarter]:
    """The last ``count`` quarters up to today's, oldest first."""
    quarters = [Quarter.of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def last_ended_quarter(today: datetime.date) -> Quarter:
    return Quarter.of(today).previous()


def is_settled(quarter: Quarter, today: datetime.date) -> bool:
    """True once no visit can be logged for ``quarter`` any more, so its figures are final."""
    return today > quarter.last_day + datetime.timedelta(days=VISIT_GRACE_DAYS)


def _child_digits(division: Division) -> int:
    if division.level < Level.VILLAGE:
        return PATH_DIGITS[Level(division.level + 1)]
    return PATH_DIGITS[Level.VILLAGE]


def _by_child(qs: QuerySet, column: str, digits: int, **aggregates) -> dict[str, dict]:
    """``aggregates`` of ``qs`` grouped by the child path prefix of ``column``: {path: row}."""
    rows = (
        qs.annotate(child_path=Substr(column, 1, digits))
        .values("child_path")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["child_path"]: row for row in rows}


def _entities(user, division: Division) -> QuerySet[Entity]:
    return Entity.objects.for_user(user).filter(division__path__startswith=division.path)


def _holdings(user, division: Division) -> QuerySet[Assignment]:
    return Assignment.objects.for_user(user).filter(
        entity__division__path__startswith=division.path
    )


def _visits(user, division: Division) -> QuerySet[Visit]:
    return Visit.objects.for_user(user).filter(entity__division__path__startswith=division.path)


def _entity_counts(entities: QuerySet[Entity], digits: int) -> dict[str, dict]:
    """Open businesses per grade."""
    is_open = Q(status__in=OPEN_STATUSES)
    return _by_child(
        entities,
        "division__path",
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


def _holding_counts(
    holdings: QuerySet[Assignment],
    digits: int,
    days: dict[Quarter, datetime.date],
    today: datetime.date,
) -> dict[str, dict]:
    """From the holdings, in one pass: the open businesses held now by a cadre in post
    (``covered``), and the businesses due in each of ``quarters`` (``due_<code>``)."""
    covered = Q(
        end_date__isnull=True,
        cadre__status=CadreStatus.ACTIVE,
        entity__status__in=OPEN_STATUSES,
    )
    window = Q(end_date__isnull=True)
    for day in days.values():
        window |= held_on(day)
    return _by_child(
        holdings.filter(window),
        "entity__division__path",
        digits,
        covered=Count("entity", distinct=True, filter=covered),
        **{
            f"due_{q.code}": Count("entity", distinct=True, filter=_due_on(day, today))
            for q, day in days.items()
        },
    )


def _visited_counts(
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
        visits.annotate(child_path=Substr("entity__division__path", 1, digits))
        .values("child_path", "quarter")
        .annotate(n=Count("entity", distinct=True))
        .order_by()
    )
    result: dict[str, dict] = {}
    for row in rows:
        result.setdefault(row["child_path"], {})[f"visited_{row['quarter']}"] = row["n"]
    return result


def _rates_key(division: Division, digits: int, quarters: list[Quarter]) -> str:
    codes = ",".join(str(q.code) for q in quarters)
    return f"dashboard:rates:{division.path or '-'}:{digits}:{codes}"


def _rate_figures(
    holdings: QuerySet[Assignment],
    visits: QuerySet[Visit],
    division: Division,
    digits: int,
    quarters: list[Quarter],
    today: datetime.date,
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Coverage and the quarters' due and visited counts per child path, in two queries.

    A settled quarter's counts come from the cache, filled on the first miss; an area's figures
    do not depend on who looks, since whoever may open ``division`` sees all of it.
    """
    settled = [q for q in quarters if is_settled(q, today)]
    key = _rates_key(division, digits, settled)
    cached = cache.get(key) if settled else {}
    missing = settled if cached is None else []
    computed = [*missing, *(q for q in quarters if q not in settled)]
    days = reference_days(computed, today)
    held = _holding_counts(holdings, digits, days, today)
    visited = _visited_counts(visits, digits, days, today)
    rates: dict[str, dict] = {}
    for source in (held, visited):
        for path, row in source.items():
            rates.setdefault(path, {}).update(
                {k: v for k, v in row.items() if k.startswith(("due_", "visited_"))}
            )
    if missing:
        codes = tuple(f"_{q.code}" for q in missing)
        cached = {
            path: {k: v for k, v in row.items() if k.endswith(codes) and v}
            for path, row in rates.items()
        }
        cache.set(key, {path: row for path, row in cached.items() if row}, CLOSED_QUARTER_CACHE)
    for path, row in (cached or {}).items():
        rates.setdefault(path, {}).update(row)
    return held, rates


def _overdue_counts(
    holdings: QuerySet[Assignment], digits: int, quarter: Quarter
) -> tuple[dict[str, int], int]:
    day = quarter.last_day
    unvisited = holdings.filter(held_on(day)).exclude(
        Exists(Visit.objects.filter(entity=OuterRef("entity"), quarter=quarter.code))
    )
    per_child = {
        path: row["n"]
        for path, row in _by_child(
            unvisited, "entity__division__path", digits, n=Count("cadre", distinct=True)
        ).items()
    }
    return per_child, unvisited.aggregate(n=Count("cadre", distinct=True))["n"]


def _overdue_figures(
    holdings: QuerySet[Assignment],
    division: Division,
    digits: int,
    quarter: Quarter,
    today: datetime.date,
    refresh: bool = False,
) -> tuple[dict[str, int], int]:
    if not is_settled(quarter, today):
        return _overdue_counts(holdings, digits, quarter)
    key = f"dashboard:overdue:{division.path or '-'}:{digits}:{quarter.code}"
    figures = None if refresh else cache.get(key)
    if figures is None:
        figures = _overdue_counts(holdings, digits, quarter)
        cache.set(key, figures, CLOSED_QUARTER_CACHE)
    return figures


def overdue_cadres(
    *, user, division: Division, quarter: Quarter, today: datetime.date | None = None
) -> tuple[dict[str, int], int]:
    """Cadres who, on the last day of ``quarter`` (an ended quarter), held a business in the area
    that had no visit in it: per child path of the business's division, and in the whole area
    (each cadre counted once). Two queries, none once the quarter is settled and cached."""
    today = today or timezone.localdate()
    return _overdue_figures(
        _holdings(user, division), division, _child_digits(division), quarter, today
    )


def _issue_counts(
    issues: QuerySet[Issue], digits: int, since: datetime.datetime, today: datetime.date
) -> dict[str, dict]:
    """Issues open and overdue today; raised since ``since``, closed of those, and the total time
    they took to close."""
    raised = Q(created_at__gte=since)
    closed = raised & Q(status=IssueStatus.CLOSED)
    return _by_child(
        issues,
        "entity__division__path",
        digits,
        open=Count("pk", filter=~Q(status=IssueStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_condition(today)),
        raised=Count("pk", filter=raised),
        closed=Count("pk", filter=closed),
        close_time=Sum(F("closed_at") - F("created_at"), filter=closed),
    )


def _children(division: Division) -> list[Division]:
    return list(Division.objects.filter(parent=division).order_by("code"))


def dashboard(*, user, division: Division, today: datetime.date | None = None) -> dict:
    """The dashboard of ``division`` (already checked to be in the user's scope): a row per child
    division in code order (and one for businesses registered on ``division`` itself, if any),
    and the totals. Eight queries, or six once the settled quarters are cached."""
    today = today or timezone.localdate()
    quarters = trend_quarters(today)
    ended = last_ended_quarter(today)
    digits = _child_digits(division)
    since = local_midnight(quarters[0].first_day)

    holdings = _holdings(user, division)
    entity_rows = _entity_counts(_entities(user, division), digits)
    held_rows, rate_rows = _rate_figures(
        holdings, _visits(user, division), division, digits, quarters, today
    )
    overdue, overdue_total = _overdue_figures(holdings, division, digits, ended, today)
    issues = Issue.objects.for_user(user).filter(entity__division__path__startswith=division.path)
    issue_rows = _issue_counts(issues, digits, since, today)

    def figures(area: Division, path: str, direct: bool = False) -> AreaFigures:
        entities = entity_rows.get(path, {})
        rates = rate_rows.get(path, {})
        issues = issue_rows.get(path, {})
        close_time = issues.get("close_time")
        return AreaFigures(
            division=area,
            direct=direct,
            grades={g: entities.get(f"grade_{g}", 0) for g in GRADES},
            open=entities.get("open", 0),
            covered=held_rows.get(path, {}).get("covered", 0),
            rates=[
                QuarterRate(q, rates.get(f"due_{q.code}", 0), rates.get(f"visited_{q.code}", 0))
                for q in quarters
            ],
            overdue_cadres=overdue.get(path, 0),
            issues_open=issues.get("open", 0),
            issues_overdue=issues.get("overdue", 0),
            issues_raised=issues.get("raised", 0),
            issues_closed=issues.get("closed", 0),
            close_days_total=close_time.total_seconds() / 86400 if close_time else 0.0,
        )

    rows = [figures(child, child.path) for child in _children(division)]
    known = {row.division.path for row in rows}
    if division.path not in known and any(
        division.path in source for source in (entity_rows, rate_rows, overdue, issue_rows)
    ):
        rows.append(figures(division, division.path, direct=True))

    total = AreaFigures(division=division, rates=[QuarterRate(q) for q in quarters])
    for row in rows:
        total.add(row)
    total.overdue_cadres = overdue_total
    return {
        "division": division,
        "today": today,
        "quarter": quarters[-1],
        "quarters": quarters,
        "ended_quarter": ended,
        "issues_since": quarters[0].first_day,
        "rows": rows,
        "total": total,
    }


def dashboard_refresh_unscoped(*, division: Division, today: datetime.date | None = None):
    """Recompute and cache the settled quarters' figures of ``division`` as its dashboard reads
    them. Unscoped: the system refreshes an area for whoever will look at it."""
    today = today or timezone.localdate()
    digits = _child_digits(division)
    settled = [q for q in trend_quarters(today) if is_settled(q, today)]
    holdings = Assignment.objects.filter(entity__division__path__startswith=division.path)
    visits = Visit.objects.filter(entity__division__path__startswith=division.path)
    if settled:
        cache.delete(_rates_key(division, digits, settled))
        _rate_figures(holdings, visits, division, digits, settled, today)
    ended = last_ended_quarter(today)
    if is_settled(ended, today):
        _overdue_figures(holdings, division, digits, ended, today, refresh=True)


def dashboards_refresh_unscoped(*, today: datetime.date | None = None) -> int:
    """Refresh the cached settled figures of every province, city and county (the areas whose
    dashboards read large subtrees); return how many. Unscoped: run by the system."""
    divisions = Division.objects.filter(level__lte=Level.COUNTY).order_by("path")
    count = 0
    for division in divisions.iterator():
        dashboard_refresh_unscoped(division=division, today=today)
        count += 1
    return count
