"""Snapshots of the large areas' dashboards: a province's or a city's page would otherwise group
its whole subtree (up to a million businesses) on every view. A beat task takes them every few
minutes; the page reads a fresh one in three small queries (the snapshot, its rows, the area's
children) and says when it was computed, and computes the figures from the tables when there is
none (a new install, a stopped worker)."""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from baobao.models import PATH_DIGITS, Division, Level
from ledgers.dashboards.common import (
    GRADES,
    child_digits,
    children,
    last_ended_quarter,
    overdue_figures,
    sees_whole_area,
    unscoped_area,
    user_area,
)
from ledgers.dashboards.counted import dashboard_counted
from ledgers.dashboards.live import (
    AreaFigures,
    QuarterRate,
    area_counts,
    dashboard_live,
    dashboard_page,
    dashboard_refresh_unscoped,
    dashboard_rows,
    regroup,
    settled_rates_refresh,
    trend_quarters,
)
from ledgers.models import DashboardSnapshot, DashboardSnapshotRow

# The areas whose dashboards are kept as snapshots; a county's page is fast enough from the tables.
SNAPSHOT_LEVELS = (Level.PROVINCE, Level.CITY)
# Their figures are grouped once per tree by county, then summed up for each area.
SNAPSHOT_GRAIN = PATH_DIGITS[Level.COUNTY]
# The beat takes snapshots every 5 minutes: an older one than this means the worker is behind or
# stopped, and the page computes its figures itself rather than show stale ones.
SNAPSHOT_MAX_AGE = datetime.timedelta(minutes=15)
# One run at a time: a run that outlasts the beat's period is not doubled by the next.
SNAPSHOTS_LOCK = "dashboard:snapshots:running"
SNAPSHOTS_LOCK_SECONDS = 10 * 60
FIGURES = (
    "open",
    "covered",
    "overdue_cadres",
    "issues_open",
    "issues_overdue",
    "issues_raised",
    "issues_closed",
    "close_days_total",
)


def _stored(snapshot: DashboardSnapshot, row: AreaFigures) -> DashboardSnapshotRow:
    return DashboardSnapshotRow(
        snapshot=snapshot,
        path=row.division.path,
        **{f"grade_{g.lower()}": row.grades[g] for g in GRADES},
        **{name: getattr(row, name) for name in FIGURES},
        rates=[[r.quarter.code, r.due, r.visited] for r in row.rates],
    )


def _store(division: Division, page: dict, now: datetime.datetime) -> None:
    with transaction.atomic():
        snapshot, _created = DashboardSnapshot.objects.update_or_create(
            division=division,
            defaults={
                "day": page["today"],
                "computed_at": now,
                "overdue_cadres": page["total"].overdue_cadres,
            },
        )
        snapshot.rows.all().delete()
        DashboardSnapshotRow.objects.bulk_create(_stored(snapshot, row) for row in page["rows"])


def snapshot_roots() -> QuerySet[Division]:
    """The largest areas kept as snapshots: the provinces, and any city with no province above."""
    return Division.objects.filter(level__in=SNAPSHOT_LEVELS).exclude(
        parent__level__in=SNAPSHOT_LEVELS
    )


def _take_tree(root: Division, now: datetime.datetime) -> int:
    """The snapshots of ``root`` and of the snapshot areas under it (a province's cities), from
    one grouping of the whole tree by county, summed up for each area."""
    today = timezone.localdate(now)
    counts = area_counts(unscoped_area(root), root, SNAPSHOT_GRAIN, trend_quarters(today), today)
    ended = last_ended_quarter(today)
    areas = Division.objects.filter(path__startswith=root.path, level__in=SNAPSHOT_LEVELS)
    taken = 0
    for division in areas.order_by("path"):
        digits = child_digits(division)
        holdings = unscoped_area(division)["holdings"]
        page = dashboard_rows(
            division=division,
            counts=regroup(counts, digits, division.path),
            overdue=overdue_figures(holdings, division, digits, ended, today),
            today=today,
        )
        _store(division, page, now)
        taken += 1
    return taken


def dashboard_snapshots_take_unscoped(*, now: datetime.datetime) -> int | None:
    """Take the snapshot of every province and city; return how many, or None when another run
    holds the lock. Unscoped: run by the system."""
    if not cache.add(SNAPSHOTS_LOCK, True, SNAPSHOTS_LOCK_SECONDS):
        return None
    try:
        return sum(_take_tree(root, now) for root in snapshot_roots().order_by("path"))
    finally:
        cache.delete(SNAPSHOTS_LOCK)


def dashboards_refresh_unscoped(*, today: datetime.date) -> int:
    """Refresh the cached settled figures of every province, city and county (the areas whose
    dashboards read large subtrees) and of the snapshots' grouping by county; return how many
    areas. Unscoped: run by the system."""
    for root in snapshot_roots():
        area = unscoped_area(root)
        settled_rates_refresh(area=area, division=root, digits=SNAPSHOT_GRAIN, today=today)
    divisions = Division.objects.filter(level__lte=Level.COUNTY).order_by("path")
    count = 0
    for division in divisions.iterator():
        dashboard_refresh_unscoped(division=division, today=today)
        count += 1
    return count


def _fresh_snapshot(division: Division, now: datetime.datetime) -> DashboardSnapshot | None:
    return DashboardSnapshot.objects.filter(
        division=division,
        day=timezone.localdate(now),
        computed_at__gt=now - SNAPSHOT_MAX_AGE,
        computed_at__lte=now,
    ).first()


def _figures(
    division: Division, stored: DashboardSnapshotRow | None, today: datetime.date, direct=False
) -> AreaFigures:
    quarters = trend_quarters(today)
    if stored is None:
        return AreaFigures(division=division, rates=[QuarterRate(q) for q in quarters])
    rates = {code: (due, visited) for code, due, visited in stored.rates}
    return AreaFigures(
        division=division,
        direct=direct,
        grades={g: getattr(stored, f"grade_{g.lower()}") for g in GRADES},
        rates=[QuarterRate(q, *rates.get(q.code, (0, 0))) for q in quarters],
        **{name: getattr(stored, name) for name in FIGURES},
    )


def _from_snapshot(snapshot: DashboardSnapshot, division: Division) -> dict:
    stored = {row.path: row for row in snapshot.rows.all()}
    rows = [_figures(child, stored.get(child.path), snapshot.day) for child in children(division)]
    if division.path in stored and not any(row.division == division for row in rows):
        rows.append(_figures(division, stored[division.path], snapshot.day, direct=True))
    page = dashboard_page(
        division=division, rows=rows, overdue_total=snapshot.overdue_cadres, today=snapshot.day
    )
    return {**page, "computed_at": snapshot.computed_at}


def dashboard(
    *,
    user,
    division: Division,
    now: datetime.datetime,
    today: datetime.date | None = None,
) -> dict:
    """The dashboard of ``division`` (already checked to be in the user's scope), with the time
    its figures were computed (``computed_at``): from a fresh snapshot in three queries, else,
    for a viewer who sees the whole area, from the running counts (``dashboard_counted``), else
    from the tables (``dashboard_live``)."""
    today = today or timezone.localdate(now)
    if today == timezone.localdate(now) and sees_whole_area(user, division):
        snapshot = _fresh_snapshot(division, now)
        if snapshot is not None:
            return _from_snapshot(snapshot, division)
        page = dashboard_counted(division=division, today=today)
    else:
        page = dashboard_live(area=user_area(user, division), division=division, today=today)
    return {**page, "computed_at": now}
