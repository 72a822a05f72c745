"""Working days (工作日, with China's holidays, 调休 and the office's 放假安排) and each job's
sending days."""

import datetime

import chinese_calendar

from inspections.holidays import holiday_year_days
from inspections.models import ReminderPolicy
from inspections.quarters import Quarter
from inspections.reminders.common import WINDOW_EPOCH

# --- working days (工作日) ----------------------------------------------------------------------


class WorkingCalendar:
    """China's working days, reading each year's holiday table (放假安排) at most once: a day in
    the table is what the table says; the other days of a year with any row in the table are
    Monday to Friday; a year without rows is the chinese-calendar package's (holidays off, 调休
    weekends on), and Monday to Friday for a year the package does not know either.

    Made per call rather than kept by the process, so an office's edit counts at once in every
    worker, and a test's rolled-back rows never leak into the next."""

    def __init__(self):
        self._years: dict[int, dict[datetime.date, bool]] = {}

    def is_working_day(self, day: datetime.date) -> bool:
        if day.year not in self._years:
            self._years[day.year] = holiday_year_days(year=day.year)
        table = self._years[day.year]
        if table:
            return table.get(day, day.weekday() < 5)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5


def is_working_day(day: datetime.date, *, calendar: WorkingCalendar | None = None) -> bool:
    """Whether ``day`` is a working day (see ``WorkingCalendar``)."""
    return (calendar or WorkingCalendar()).is_working_day(day)


def add_working_days(
    day: datetime.date, n: int, *, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself not counted)."""
    calendar = calendar or WorkingCalendar()
    while n > 0:
        day += datetime.timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def gap_cutoff(
    today: datetime.date, limit: int, *, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """The latest start of a gap that is past the limit today: a gap starting on ``d`` is over
    once today is later than ``add_working_days(d, limit)``."""
    calendar = calendar or WorkingCalendar()
    day = today - datetime.timedelta(days=1)
    while add_working_days(day, limit, calendar=calendar) >= today:
        day -= datetime.timedelta(days=1)
    return day


# --- sending days ------------------------------------------------------------------------------


def _within(day: datetime.date, today: datetime.date, policy: ReminderPolicy) -> bool:
    return 0 <= (today - day).days <= policy.catch_up_days


def in_quarter_days(quarter: Quarter, policy: ReminderPolicy) -> list[datetime.date]:
    """The in-quarter reminder days of ``quarter``, in order."""
    first_month = quarter.first_day.month
    days = {datetime.date(quarter.year, first_month + m, policy.in_quarter_day) for m in (1, 2)}
    start = quarter.last_day - datetime.timedelta(weeks=policy.final_weeks)
    day = quarter.last_day
    while day > start:
        if day.weekday() == policy.final_weekday:
            days.add(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def quarter_start_period(policy: ReminderPolicy, today: datetime.date) -> Quarter | None:
    quarter = Quarter.of(today)
    if policy.quarter_start_enabled and _within(quarter.first_day, today, policy):
        return quarter
    return None


def in_quarter_period(policy: ReminderPolicy, today: datetime.date) -> datetime.date | None:
    """The reminder day whose messages are due today: today's, or a missed one still within the
    catch-up window."""
    past = [d for d in in_quarter_days(Quarter.of(today), policy) if d <= today]
    if past and _within(past[-1], today, policy):
        return past[-1]
    return None


def quarter_end_period(policy: ReminderPolicy, today: datetime.date) -> Quarter | None:
    ended = Quarter.of(today).previous()
    send_day = ended.last_day + datetime.timedelta(days=policy.overdue_delay_days)
    if _within(send_day, today, policy):
        return ended
    return None


def overdue_window(policy: ReminderPolicy, today: datetime.date) -> datetime.date:
    """The first day of the office digest's repeat window containing ``today``."""
    return today - datetime.timedelta(days=(today - WINDOW_EPOCH).days % policy.issue_repeat_days)
