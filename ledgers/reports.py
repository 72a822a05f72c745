"""The work report (工作报告) of an area: the figures an office sends upward for a month, a quarter
or a year, per child division and in total, with a short generated summary.

Definitions, for period P (a month, quarter or year) seen on its last day (or today, for the
current period), and Q the quarter of that day: coverage is today's for the current period, and
for a period over, as recorded in its last month (``ledgers.coverage``; today's again when
nothing was recorded then, or for a viewer who sees only part of the area); visits are those dated in P; the quarter's rate is Q's rate on that day (businesses
due then, visited in Q up to that day); issues found and closed are those raised and closed
(销号) in P; overdue issues were open and past their deadline on that day; overdue cadres are the
dashboard's, for the quarter before Q. All figures are grouped queries over the subtree, as on
the dashboard.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from baobao.models import Division
from inspections.models import IssueStatus
from inspections.quarters import Quarter
from ledgers.coverage import coverage_in_month
from ledgers.dashboards.common import (
    ROW_PATH,
    Summable,
    VisitRate,
    by_child,
    child_digits,
    child_rows,
    entity_counts,
    holding_counts,
    overdue_figures,
    sees_whole_area,
    totalled,
    user_area,
    visited_counts,
)
from ledgers.selectors.common import local_midnight


def parse_month(text: str) -> datetime.date:
    """'2026-03' → 1 March 2026; ValueError otherwise."""
    year, _sep, month = (text or "").strip().partition("-")
    return datetime.date(int(year), int(month), 1)


def month_end(first: datetime.date) -> datetime.date:
    following = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


PERIOD_KINDS = ("month", "quarter", "year")


@dataclass(frozen=True)
class ReportPeriod:
    """The month, quarter or year a report covers: ``start`` its first day, ``end`` its last."""

    kind: str
    start: datetime.date
    end: datetime.date

    @classmethod
    def containing(cls, kind: str, day: datetime.date) -> "ReportPeriod":
        """The period of ``kind`` ("month", "quarter" or "year") that contains ``day``."""
        if kind == "year":
            return cls(kind, datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
        if kind == "quarter":
            first = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            last = month_end(datetime.date(day.year, first.month + 2, 1))
            return cls(kind, first, last)
        if kind == "month":
            first = day.replace(day=1)
            return cls(kind, first, month_end(first))
        raise ValueError(f"Unknown report period {kind!r}")

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("Year %(year)s") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("%(year)s Q%(quarter)s") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}

    @property
    def code(self) -> str:
        """A short name for files: 2026-05, 2026Q2, 2026."""
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return self.start.strftime("%Y-%m")


@dataclass
class ReportFigures(VisitRate, Summable):
    """One line of the report: a child division, the area's own businesses, or the total."""

    division: Division
    direct: bool = False
    open: int = 0
    covered: int = 0
    visits: int = 0
    visited_entities: int = 0
    due: int = 0
    visited: int = 0
    issues_found: int = 0
    issues_closed: int = 0
    issues_overdue: int = 0
    overdue_cadres: int = 0


@dataclass
class MonthlyReport:
    division: Division
    month: datetime.date  # the period's first day
    as_of: datetime.date
    quarter: Quarter
    ended_quarter: Quarter
    rows: list[ReportFigures] = field(default_factory=list)
    total: ReportFigures | None = None
    period: ReportPeriod | None = None

    @property
    def summary(self) -> str:
        return report_summary(self)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _summary_figures(report: MonthlyReport) -> dict:
    total = report.total
    return {
        "area": report.division.name,
        "open": total.open,
        "coverage": _percent(total.coverage),
        "visits": total.visits,
        "visited_entities": total.visited_entities,
        "as_of": report.as_of.isoformat(),
        "quarter": report.quarter,
        "rate": _percent(total.rate),
        "visited": total.visited,
        "due": total.due,
        "found": total.issues_found,
        "closed": total.issues_closed,
        "overdue": total.issues_overdue,
    }


def report_summary(report: MonthlyReport) -> str:
    """The report's paragraph, in the interface language (Chinese by default)."""
    period = report.period or ReportPeriod.containing("month", report.month)
    if period.kind == "month":
        text = _(
            "In %(month)s, %(area)s had %(open)s open businesses, %(coverage)s of them held by a "
            "cadre in post. %(visits)s supervision visits were made to %(visited_entities)s "
            "businesses. By %(as_of)s the supervision rate of %(quarter)s was %(rate)s "
            "(%(visited)s of %(due)s businesses due visited). %(found)s issues were found and "
            "%(closed)s closed in the month; %(overdue)s issues were past their rectification "
            "deadline."
        ) % {"month": period.label, **_summary_figures(report)}
    else:
        text = _(
            "In %(period)s, %(area)s had %(open)s open businesses, %(coverage)s of them held by a "
            "cadre in post. %(visits)s supervision visits were made to %(visited_entities)s "
            "businesses. By %(as_of)s the supervision rate of %(quarter)s was %(rate)s "
            "(%(visited)s of %(due)s businesses due visited). %(found)s issues were found and "
            "%(closed)s closed in the period; %(overdue)s issues were past their rectification "
            "deadline."
        ) % {"period": period.label, **_summary_figures(report)}
    if report.total.overdue_cadres:
        text += " " + _(
            "%(cadres)s cadres left businesses unvisited in %(ended)s and must catch up."
        ) % {"cadres": report.total.overdue_cadres, "ended": report.ended_quarter}
    else:
        text += " " + _("Every cadre visited all their businesses in %(ended)s.") % {
            "ended": report.ended_quarter
        }
    return text


def _month_activity(visits, digits: int, start, end) -> dict[str, dict]:
    """Visits dated in [start, end) per child: how many, and how many businesses they reached."""
    return by_child(
        visits.filter(visited_at__gte=start, visited_at__lt=end),
        ROW_PATH,
        digits,
        visits=Count("pk"),
        entities=Count("entity", distinct=True),
    )


def _month_issues(issues, digits: int, start, end, as_of: datetime.date) -> dict[str, dict]:
    """Issues raised and closed in [start, end), and those overdue at the end of ``as_of``."""
    after = local_midnight(as_of + datetime.timedelta(days=1))
    still_open = ~Q(status=IssueStatus.CLOSED) | Q(closed_at__gte=after)
    return by_child(
        issues,
        ROW_PATH,
        digits,
        found=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        overdue=Count("pk", filter=Q(deadline__lt=as_of, created_at__lt=after) & still_open),
    )


def monthly_report(
    *, user, division: Division, month: datetime.date, today: datetime.date
) -> MonthlyReport:
    """The work report of ``division`` for the month starting on ``month``."""
    return work_report(
        user=user,
        division=division,
        period=ReportPeriod.containing("month", month),
        today=today,
    )


def work_report(
    *, user, division: Division, period: ReportPeriod, today: datetime.date
) -> MonthlyReport:
    """The work report of ``division`` (already checked to be in the user's scope) for
        ``period`` (begun by today). Nine queries whatever the number of children, eleven for a period
    over seen by an office (its coverage read from the history)."""
    month = period.start
    as_of = min(period.end, today)
    quarter = Quarter.of(as_of)
    ended = quarter.previous()
    digits = child_digits(division)
    start = local_midnight(month)
    end = local_midnight(as_of + datetime.timedelta(days=1))

    subtree = user_area(user, division)
    entity_rows = entity_counts(subtree["entities"], digits)
    days = {quarter: as_of}
    held_rows = holding_counts(subtree["holdings"], digits, days, today)
    visited_rows = visited_counts(subtree["visits"].filter(visited_at__lt=end), digits, days, today)
    activity = _month_activity(subtree["visits"], digits, start, end)
    issue_rows = _month_issues(subtree["issues"], digits, start, end, as_of)
    overdue, overdue_total = overdue_figures(subtree["holdings"], division, digits, ended, today)
    coverage = None
    if as_of < today and sees_whole_area(user, division):
        coverage = coverage_in_month(division, digits, as_of.replace(day=1))
    opened = {path: row.get("open", 0) for path, row in entity_rows.items()}
    covered = {path: row.get("covered", 0) for path, row in held_rows.items()}
    if coverage is not None:
        opened = {path: row["open"] for path, row in coverage.items()}
        covered = {path: row["covered"] for path, row in coverage.items()}

    def figures(area: Division, path: str, direct: bool = False) -> ReportFigures:
        held, issues, acts = (
            held_rows.get(path, {}),
            issue_rows.get(path, {}),
            activity.get(path, {}),
        )
        return ReportFigures(
            division=area,
            direct=direct,
            open=opened.get(path, 0),
            covered=covered.get(path, 0),
            visits=acts.get("visits", 0),
            visited_entities=acts.get("entities", 0),
            due=held.get(f"due_{quarter.code}", 0),
            visited=visited_rows.get(path, {}).get(f"visited_{quarter.code}", 0),
            issues_found=issues.get("found", 0),
            issues_closed=issues.get("closed", 0),
            issues_overdue=issues.get("overdue", 0),
            overdue_cadres=overdue.get(path, 0),
        )

    sources = (opened, held_rows, activity, issue_rows, overdue)
    rows = child_rows(division, figures, sources)
    return MonthlyReport(
        division=division,
        month=month,
        as_of=as_of,
        quarter=quarter,
        ended_quarter=ended,
        rows=rows,
        total=totalled(ReportFigures(division=division), rows, overdue_total),
        period=period,
    )


FIGURES = (
    "open",
    "coverage",
    "visits",
    "visited_entities",
    "due",
    "visited",
    "rate",
    "issues_found",
    "issues_closed",
    "issues_overdue",
    "overdue_cadres",
)
PERCENT_FIGURES = ("coverage", "rate")


def report_labels(report: MonthlyReport) -> dict[str, str]:
    """The name of each figure, as the page, the workbook and the Word document head it."""
    in_month = report.period is None or report.period.kind == "month"
    return {
        "area": _("Area"),
        "open": _("Open businesses"),
        "coverage": _("Coverage"),
        "visits": _("Visits in the month") if in_month else _("Visits in the period"),
        "visited_entities": _("Businesses visited in the month")
        if in_month
        else _("Businesses visited in the period"),
        "due": _("Due this quarter"),
        "visited": _("Visited this quarter"),
        "rate": _("Supervision rate"),
        "issues_found": _("Issues found"),
        "issues_closed": _("Issues closed"),
        "issues_overdue": _("Overdue issues"),
        "overdue_cadres": _("Overdue cadres"),
    }


def figure_text(row: ReportFigures, name: str) -> str:
    """A figure as a document prints it: a count, or a percentage with one decimal (— if none)."""
    value = getattr(row, name)
    return _percent(value) if name in PERCENT_FIGURES else str(value)
