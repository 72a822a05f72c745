"""The dashboard of an area its viewer sees whole (an office, the admin), from the running counts
the services keep (``entities.tallies``, ``cadres.tallies``, ``inspections.tallies``) instead of
grouping the area's businesses, holdings, visits and issues: each figure is a sum over the tally
rows of the area, grouped under the child division by the prefix of the row's path, so a
province's page reads a few thousand rows. The figures are the live ones (``live``): the tests
compare the two. The quarters before this one come, as on the live page, from the cache of
settled figures (or from the tables while a quarter is still open to late visits)."""

import datetime

from django.db.models import Q, QuerySet, Sum

from baobao.models import Division
from cadres.models import HoldingTally
from cadres.selectors.overview import OPEN_STATUSES
from entities.models import EntityTally
from inspections.models import IssueMonthTally, IssueOpenTally, VisitTally
from inspections.quarters import Quarter
from ledgers.dashboards.common import (
    GRADES,
    by_child,
    child_digits,
    last_ended_quarter,
    overdue_figures,
    unscoped_area,
)
from ledgers.dashboards.live import dashboard_rows, rate_figures, trend_quarters

PATH = "division_path"


def _grouped(qs: QuerySet, division: Division, digits: int, **sums) -> dict[str, dict]:
    """``sums`` of ``qs``'s rows in ``division``'s subtree per child path, None read as 0."""
    # Named apart from the tallies' own columns (an aggregate may not share a field's name).
    named = {f"{key}_sum": aggregate for key, aggregate in sums.items()}
    rows = by_child(qs.area(division.path, digits=digits), PATH, digits, **named)
    return {
        path: {key[: -len("_sum")]: row[key] or 0 for key in named} for path, row in rows.items()
    }


def _merge(target: dict[str, dict], source: dict[str, dict]) -> None:
    for path, row in source.items():
        target.setdefault(path, {}).update(row)


def counted_area_counts(
    division: Division, digits: int, quarters: list[Quarter], today: datetime.date
) -> dict[str, dict[str, dict]]:
    """What ``live.area_counts`` gives for the whole area, from the tallies: this quarter's
    figures in five small grouped queries, the earlier quarters' from the cache."""
    current = quarters[-1]
    is_open = Q(status__in=OPEN_STATUSES)
    entities = _grouped(
        EntityTally.objects.all(),
        division,
        digits,
        open=Sum("n", filter=is_open),
        **{f"grade_{g}": Sum("n", filter=is_open & Q(grade=g)) for g in GRADES},
    )
    holdings = _grouped(
        HoldingTally.objects.all(), division, digits, held=Sum("held"), left=Sum("left")
    )
    held = {path: {"covered": row["held"] - row["left"]} for path, row in holdings.items()}
    _unused, rates = rate_figures(
        unscoped_area(division), division, digits, quarters[:-1], today, with_covered=False
    )
    _merge(rates, {path: {f"due_{current.code}": row["held"]} for path, row in holdings.items()})
    visited = _grouped(
        VisitTally.objects.filter(quarter=current.code), division, digits, n=Sum("visited")
    )
    _merge(rates, {path: {f"visited_{current.code}": row["n"]} for path, row in visited.items()})
    issues = _grouped(
        IssueOpenTally.objects.all(),
        division,
        digits,
        open=Sum("open"),
        overdue=Sum("open", filter=Q(deadline__lt=today)),
    )
    months = _grouped(
        IssueMonthTally.objects.filter(month__gte=quarters[0].first_day),
        division,
        digits,
        raised=Sum("raised"),
        closed=Sum("closed"),
        close_us=Sum("close_us"),
    )
    for path, row in months.items():
        close_time = datetime.timedelta(microseconds=row.pop("close_us"))
        issues.setdefault(path, {}).update(row, close_time=close_time)
    return {"entities": entities, "held": held, "rates": rates, "issues": issues}


def dashboard_counted(*, division: Division, today: datetime.date) -> dict:
    """The dashboard of ``division`` for a viewer who sees all of it, from the running counts;
    the same page as ``live.dashboard_live`` over the whole area."""
    digits = child_digits(division)
    counts = counted_area_counts(division, digits, trend_quarters(today), today)
    holdings = unscoped_area(division)["holdings"]
    overdue = overdue_figures(holdings, division, digits, last_ended_quarter(today), today)
    return dashboard_rows(division=division, counts=counts, overdue=overdue, today=today)
