"""Reminders and warnings (督导提醒与预警): who is told what, on which day.

One job per kind. Beat runs every job every morning; the job reads ``ReminderPolicy`` and does
nothing unless today is one of its sending days (or a missed one is still within the catch-up
window). Each message's key names its period, so a rerun on the same day, two workers at once,
or a run after an interrupted one writes only what is still missing:

- ``quarter_start`` (period: the quarter): each cadre in post gets the quarter's due list.
- ``in_quarter`` (period: the scheduled day): cadres with unvisited due businesses, on the set
  day of the quarter's 2nd and 3rd month and weekly in its last weeks.
- ``quarter_end_overdue`` (period: the ended quarter): each cadre who left due businesses
  unvisited, their 协保员 and 联络员, and one digest per office of the division above them.
- ``issue_deadline_soon`` (period: the deadline): the cadre following an issue, before it is due.
- ``issue_overdue`` (period: each repeat window): the cadre per issue, and one digest per office
  of the business's county per window.
- ``coverage_gap`` (period: when the newest gap passed the limit): one digest per office of the
  county listing businesses without a holder for longer than the re-assignment limit.

Recipients: the cadre's login is told even while inactive (the in-app row waits for them; see
``baobao.notifications`` for the channels); office digests go to active office users only.
Cadres, issues and businesses are read in keyset batches with one query per batch for the rows
and one for the recipients, so memory is bounded whatever the size of the province.
"""

import datetime
import logging

from django.conf import settings
from django.utils import translation

from baobao.models import NotificationKind
from baobao.notifications import notifications_send
from inspections.holidays import MISSING_HOLIDAYS_LOG, holiday_years_missing
from inspections.models import ReminderPolicy
from inspections.reminders.cadres import in_quarter, quarter_end_overdue, quarter_start
from inspections.reminders.common import JobResult, Sink
from inspections.reminders.coverage import coverage_gap
from inspections.reminders.days import (
    add_working_days,
    gap_cutoff,
    in_quarter_days,
    is_working_day,
)
from inspections.reminders.issues import issue_deadline_soon, issue_overdue

logger = logging.getLogger(__name__)

__all__ = [
    "JOBS",
    "JobResult",
    "add_working_days",
    "gap_cutoff",
    "in_quarter_days",
    "is_working_day",
    "reminders_run",
]

JOBS = {
    NotificationKind.QUARTER_START: quarter_start,
    NotificationKind.IN_QUARTER: in_quarter,
    NotificationKind.QUARTER_END_OVERDUE: quarter_end_overdue,
    NotificationKind.ISSUE_DEADLINE_SOON: issue_deadline_soon,
    NotificationKind.ISSUE_OVERDUE: issue_overdue,
    NotificationKind.COVERAGE_GAP: coverage_gap,
}


def reminders_run(*, kind: str, today: datetime.date, sink: Sink | None = None) -> JobResult:
    """Run one job for ``today`` (the boundary's date: the task's or the command's reading): it
    decides from the policy whether today is a sending day and writes the messages not written
    yet. Texts are in Chinese."""
    for year in holiday_years_missing(today=today):
        logger.warning(MISSING_HOLIDAYS_LOG, year)
    with translation.override(settings.LANGUAGE_CODE):
        return JOBS[kind](
            today=today, policy=ReminderPolicy.load(), sink=sink or notifications_send
        )
