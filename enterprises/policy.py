"""Which records a business must keep (the office's ``RecordPolicy``) and the periods they are
due in, over the project's working days (inspections' calendar: holidays and 调休)."""

import datetime
from collections.abc import Iterable

from django.db.models import Case, CharField, Q, Value, When

from enterprises.models import REQUIRED_KINDS, RecordKind, RecordPolicy, Requirement
from entities.models import BusinessType, Grade
from inspections.reminders.days import WorkingCalendar


class PolicyTable:
    """The rules in force, read once. ``requirement(type, grade, path)`` answers for a business
    of that type and grade in the division ``path``: the nearest area with a matching rule,
    the most specific rule within it."""

    def __init__(self, rules: Iterable[RecordPolicy] | None = None):
        if rules is None:
            rules = RecordPolicy.objects.filter(is_active=True).select_related("division")
        self._rules = {
            (r.division.path if r.division_id else "", r.business_type, r.grade): r.requirement
            for r in rules
            if r.is_active
        }
        # Longest first: a county's rules before its city's, the default ("") last.
        self.areas = sorted({area for area, _t, _g in self._rules} | {""}, key=len, reverse=True)

    def area_of(self, path: str) -> str:
        """The nearest area with rules of its own holding the division ``path``."""
        return next(area for area in self.areas if path.startswith(area))

    def rule(self, business_type: str, grade: str, path: str = "") -> tuple[str, str] | None:
        """(area, requirement) of the rule that decides, or None when none does."""
        keys = ((business_type, grade), (business_type, ""), ("", grade), ("", ""))
        for area in self.areas:
            if path.startswith(area):
                for key in keys:
                    if (area, *key) in self._rules:
                        return area, self._rules[(area, *key)]
        return None

    def requirement(self, business_type: str, grade: str, path: str = "") -> str:
        found = self.rule(business_type, grade, path)
        return found[1] if found else Requirement.FULL

    def kinds(self, business_type: str, grade: str, path: str = "") -> tuple[str, ...]:
        return REQUIRED_KINDS[Requirement(self.requirement(business_type, grade, path))]

    def area_case(self, field: str = "division_path"):
        """An expression naming each row's nearest area with rules (its ``area_of``)."""
        whens = [When(**{f"{field}__startswith": a}, then=Value(a)) for a in self.areas if a]
        if not whens:
            return Value("")
        return Case(*whens, default=Value(""), output_field=CharField())

    def exempt_q(self, field: str = "division_path") -> Q:
        """Businesses the rules exempt, exactly: per area with rules of its own (a deeper area
        taking its part away), each type and grade the rules there exempt, and the types
        outside the list by their grade alone."""
        exempt = Q()
        for area in self.areas:
            here = Q(**{f"{field}__startswith": area}) if area else Q()
            for deeper in self.areas:
                if deeper != area and deeper.startswith(area):
                    here &= ~Q(**{f"{field}__startswith": deeper})
            for grade in Grade.values:
                types = [
                    t
                    for t in BusinessType.values
                    if self.requirement(t, grade, area) == Requirement.EXEMPT
                ]
                if types:
                    exempt |= here & Q(grade=grade, business_type__in=types)
                if self.requirement("", grade, area) == Requirement.EXEMPT:
                    exempt |= here & Q(grade=grade) & ~Q(business_type__in=BusinessType.values)
        return exempt


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
