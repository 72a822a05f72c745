"""Which records a business must keep (the office's ``RecordPolicy``) and the periods they are
due in, over the project's working days (inspections' calendar: holidays and 调休)."""

import datetime
from collections.abc import Iterable

from enterprises.models import REQUIRED_KINDS, RecordKind, RecordPolicy, Requirement
from inspections.reminders.days import WorkingCalendar


class PolicyTable:
    """The office's rules, read once: ``requirement(type, grade)`` picks the most specific."""

    def __init__(self, rules: Iterable[RecordPolicy] | None = None):
        rules = RecordPolicy.objects.all() if rules is None else rules
        self._rules = {(r.business_type, r.grade): r.requirement for r in rules}

    def requirement(self, business_type: str, grade: str) -> str:
        for key in ((business_type, grade), (business_type, ""), ("", grade), ("", "")):
            if key in self._rules:
                return self._rules[key]
        return Requirement.FULL

    def kinds(self, business_type: str, grade: str) -> tuple[str, ...]:
        return REQUIRED_KINDS[Requirement(self.requirement(business_type, grade))]


def working_days(
    start: datetime.date, end: datetime.date, calendar: WorkingCalendar | None = None
) -> list[datetime.date]:
    """The working days from ``start`` to ``end`` inclusive."""
    calendar = calendar or WorkingCalendar()
    days, day = [], start
    while day <= end:
        if calendar.is_working_day(day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def period_start(kind: str, day: datetime.date) -> datetime.date:
    if kind == RecordKind.WEEKLY:
        return week_start(day)
    if kind == RecordKind.MONTHLY:
        return month_start(day)
    return day


def due_periods(
    kind: str, start: datetime.date, end: datetime.date, calendar: WorkingCalendar | None = None
) -> list[datetime.date]:
    """The periods of ``kind`` due between ``start`` and ``end`` (both inclusive): each working
    day; each week whose Monday..Sunday has ended by ``end`` and began on or after ``start``'s
    week; each month likewise. A week or month still running is not yet due."""
    if start > end:
        return []
    if kind == RecordKind.DAILY:
        return working_days(start, end, calendar)
    periods = []
    if kind == RecordKind.WEEKLY:
        day = week_start(start)
        while day + datetime.timedelta(days=6) <= end:
            periods.append(day)
            day += datetime.timedelta(days=7)
        return periods
    day = month_start(start)
    while True:
        following = (day + datetime.timedelta(days=32)).replace(day=1)
        if following - datetime.timedelta(days=1) > end:
            return periods
        periods.append(day)
        day = following
