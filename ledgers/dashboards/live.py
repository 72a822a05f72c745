"""The dashboard's figures computed from the tables (see the package's docstring for what each
one means), and the nightly rebuild of the settled quarters' cached figures."""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum

from baobao.models import Division
from inspections.models import Issue, IssueStatus
from inspections.quarters import Quarter
from inspections.selectors import overdue_condition
from ledgers.dashboards.common import (
    CLOSED_QUARTER_CACHE,
    GRADES,
    ROW_PATH,
    Summable,
    VisitRate,
    by_child,
    child_digits,
    child_rows,
    entity_counts,
    holding_counts,
    is_settled,
    last_ended_quarter,
    overdue_figures,
    ratio,
    reference_days,
    totalled,
    unscoped_area,
    visited_counts,
)
from ledgers.selectors.common import local_midnight

# The trend: this quarter and the TREND_QUARTERS - 1 quarters before it.
TREND_QUARTERS = 5


@dataclass
class QuarterRate(VisitRate):
    quarter: Quarter
    due: int = 0
    visited: int = 0


@dataclass
class AreaFigures(Summable):
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
    def current(self) -> QuarterRate:
        return self.rates[-1]

    @property
    def trend(self) -> list[QuarterRate]:
        """The quarters before this one, oldest first."""
        return self.rates[:-1]

    @property
    def closure_rate(self) -> float | None:
        return ratio(self.issues_closed, self.issues_raised)

    @property
    def average_days_to_close(self) -> float | None:
        return self.close_days_total / self.issues_closed if self.issues_closed else None

    def add(self, other: "AreaFigures") -> None:
        """Add ``other``'s additive figures to these (overdue cadres are not additive)."""
        super().add(other)
        for grade in GRADES:
            self.grades[grade] += other.grades[grade]
        for mine, theirs in zip(self.rates, other.rates, strict=True):
            mine.due += theirs.due
            mine.visited += theirs.visited


def trend_quarters(today: datetime.date, count: int = TREND_QUARTERS) -> list[Quarter]:
    """The last ``count`` quarters up to today's, oldest first."""
    quarters = [Quarter.of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def dashboard_page(
    *, division: Division, rows: list[AreaFigures], overdue_total: int, today: datetime.date
) -> dict:
    """The dashboard's context from its rows: the totals (overdue cadres counted once in all,
    ``overdue_total``) and the period of each figure."""
    quarters = trend_quarters(today)
    total = AreaFigures(division=division, rates=[QuarterRate(q) for q in quarters])
    return {
        "division": division,
        "today": today,
        "quarter": quarters[-1],
        "quarters": quarters,
        "ended_quarter": last_ended_quarter(today),
        "issues_since": quarters[0].first_day,
        "rows": rows,
        "total": totalled(total, rows, overdue_total),
    }


def _rates_key(division: Division, digits: int, quarters: list[Quarter]) -> str:
    codes = ",".join(str(q.code) for q in quarters)
    return f"dashboard:rates:{division.path or '-'}:{digits}:{codes}"


def rate_figures(
    area: dict[str, QuerySet],
    division: Division,
    digits: int,
    quarters: list[Quarter],
    today: datetime.date,
    with_covered: bool = True,
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Coverage (unless not ``with_covered``) and the quarters' due and visited counts per child
    path, in two queries (none when every quarter is cached and coverage is not asked).

    A settled quarter's counts come from the cache, filled on the first miss; an area's figures
    do not depend on who looks, since whoever may open ``division`` sees all of it.
    """
    settled = [q for q in quarters if is_settled(q, today)]
    key = _rates_key(division, digits, settled)
    cached = cache.get(key) if settled else {}
    missing = settled if cached is None else []
    computed = [*missing, *(q for q in quarters if q not in settled)]
    days = reference_days(computed, today)
    held, visited = {}, {}
    if days or with_covered:
        held = holding_counts(area["holdings"], digits, days, today, with_covered)
        visited = visited_counts(area["visits"], digits, days, today)
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


def _issue_counts(
    issues: QuerySet[Issue], digits: int, since: datetime.datetime, today: datetime.date
) -> dict[str, dict]:
    """Issues open and overdue today; raised since ``since``, closed of those, and the total time
    they took to close."""
    raised = Q(created_at__gte=since)
    closed = raised & Q(status=IssueStatus.CLOSED)
    return by_child(
        issues,
        ROW_PATH,
        digits,
        open=Count("pk", filter=~Q(status=IssueStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_condition(today)),
        raised=Count("pk", filter=raised),
        closed=Count("pk", filter=closed),
        close_time=Sum(F("closed_at") - F("created_at"), filter=closed),
    )


def area_counts(
    area: dict[str, QuerySet],
    division: Division,
    digits: int,
    quarters: list[Quarter],
    today: datetime.date,
) -> dict[str, dict[str, dict]]:
    """Every figure but overdue cadres, per path prefix of ``digits`` characters, in four
    queries (settled quarters cached): {"entities" | "held" | "rates" | "issues": {path: row}}."""
    held, rates = rate_figures(area, division, digits, quarters, today)
    since = local_midnight(quarters[0].first_day)
    return {
        "entities": entity_counts(area["entities"], digits),
        "held": held,
        "rates": rates,
        "issues": _issue_counts(area["issues"], digits, since, today),
    }


def regroup(counts: dict[str, dict[str, dict]], digits: int, prefix: str) -> dict:
    """``counts`` of a finer grouping summed under the first ``digits`` characters of their paths,
    for the paths under ``prefix``: what ``area_counts`` would give for that subtree and grouping
    (each business is in one path, so its counts, distinct ones included, add up)."""
    result = {}
    for name, rows in counts.items():
        merged: dict[str, dict] = {}
        for path, row in rows.items():
            if not path.startswith(prefix):
                continue
            target = merged.setdefault(path[:digits], {})
            for key, value in row.items():
                if key == "child_path" or value is None:
                    continue
                target[key] = target[key] + value if key in target else value
        result[name] = merged
    return result


def dashboard_rows(
    *,
    division: Division,
    counts: dict[str, dict[str, dict]],
    overdue: tuple[dict[str, int], int],
    today: datetime.date,
) -> dict:
    """The dashboard of ``division`` from its ``counts`` per child path and its overdue cadres
    (per child path, and in all): a row per child division in code order, one for businesses
    registered on ``division`` itself if any, and the totals."""
    quarters = trend_quarters(today)
    per_child, overdue_total = overdue
    entity_rows, held_rows, rate_rows, issue_rows = (
        counts[name] for name in ("entities", "held", "rates", "issues")
    )

    def figures(child: Division, path: str, direct: bool = False) -> AreaFigures:
        entities = entity_rows.get(path, {})
        rates = rate_rows.get(path, {})
        issues = issue_rows.get(path, {})
        close_time = issues.get("close_time")
        return AreaFigures(
            division=child,
            direct=direct,
            grades={g: entities.get(f"grade_{g}", 0) for g in GRADES},
            open=entities.get("open", 0),
            covered=held_rows.get(path, {}).get("covered", 0),
            rates=[
                QuarterRate(q, rates.get(f"due_{q.code}", 0), rates.get(f"visited_{q.code}", 0))
                for q in quarters
            ],
            overdue_cadres=per_child.get(path, 0),
            issues_open=issues.get("open", 0),
            issues_overdue=issues.get("overdue", 0),
            issues_raised=issues.get("raised", 0),
            issues_closed=issues.get("closed", 0),
            close_days_total=close_time.total_seconds() / 86400 if close_time else 0.0,
        )

    rows = child_rows(division, figures, (entity_rows, rate_rows, per_child, issue_rows))
    return dashboard_page(division=division, rows=rows, overdue_total=overdue_total, today=today)


def dashboard_live(*, area: dict[str, QuerySet], division: Division, today: datetime.date) -> dict:
    """The dashboard of ``division`` from ``area``'s businesses, holdings, visits and issues
    (``common.user_area`` or ``common.unscoped_area``). Seven queries whatever the number of
    children, five once the ended quarter's overdue cadres are cached (settled quarters' rates
    come from the cache without a query of their own)."""
    digits = child_digits(division)
    counts = area_counts(area, division, digits, trend_quarters(today), today)
    overdue = overdue_figures(area["holdings"], division, digits, last_ended_quarter(today), today)
    return dashboard_rows(division=division, counts=counts, overdue=overdue, today=today)


def settled_rates_refresh(
    *, area: dict[str, QuerySet], division: Division, digits: int, today: datetime.date
) -> None:
    """Recompute and cache the settled quarters' rates of ``area`` grouped by ``digits``."""
    settled = [q for q in trend_quarters(today) if is_settled(q, today)]
    if settled:
        cache.delete(_rates_key(division, digits, settled))
        rate_figures(area, division, digits, settled, today)


def dashboard_refresh_unscoped(*, division: Division, today: datetime.date):
    """Recompute and cache the settled quarters' figures of ``division`` as its dashboard reads
    them. Unscoped: the system refreshes an area for whoever will look at it."""
    digits = child_digits(division)
    area = unscoped_area(division)
    settled_rates_refresh(area=area, division=division, digits=digits, today=today)
    ended = last_ended_quarter(today)
    if is_settled(ended, today):
        overdue_figures(area["holdings"], division, digits, ended, today, refresh=True)
