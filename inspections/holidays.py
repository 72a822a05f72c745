"""The holiday table (放假安排): the days off and make-up working days (调休) an office enters from
the State Council's yearly notice, read by ``inspections.reminders.days``.

The chinese-calendar package knows the years up to its release (1.11: 2004–2026); the notice for
the next year comes out in the autumn before. A year with any row in the table is taken from the
table alone; a year without is left to the package, and to Monday–Friday beyond it.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import chinese_calendar
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from inspections.models import Holiday, HolidayKind
from inspections.quarters import Quarter

PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

# For the reminder job's log (operators read English there).
MISSING_HOLIDAYS_LOG = (
    "No holiday data for %d: every Monday to Friday of that year counts as a working day, "
    "holidays included. Enter the year's 放假安排 in the admin (Holiday arrangements) or with "
    "`manage.py holidays load FILE.csv`."
)

# What a CSV may write in the kind column, besides the codes and the labels.
KIND_WORDS = {
    "休": HolidayKind.DAY_OFF,
    "休息": HolidayKind.DAY_OFF,
    "休息日": HolidayKind.DAY_OFF,
    "节假日": HolidayKind.DAY_OFF,
    "放假": HolidayKind.DAY_OFF,
    "班": HolidayKind.WORKING_DAY,
    "上班": HolidayKind.WORKING_DAY,
    "调休上班": HolidayKind.WORKING_DAY,
    "工作日": HolidayKind.WORKING_DAY,
}
NAME_MAX = Holiday._meta.get_field("name").max_length
NOTE_MAX = Holiday._meta.get_field("note").max_length


@dataclass(frozen=True)
class HolidayRow:
    day: datetime.date
    kind: str
    name: str
    note: str = ""


class HolidayFileError(ValueError):
    """Rows that cannot be loaded; ``errors`` says what is wrong with each, in the UI language."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- reads -------------------------------------------------------------------------------------


def holiday_list(*, year: int) -> QuerySet[Holiday]:
    """The table's days of ``year``, in order."""
    return Holiday.objects.filter(
        day__gte=datetime.date(year, 1, 1), day__lte=datetime.date(year, 12, 31)
    ).order_by("day")


def holiday_year_days(*, year: int) -> dict[datetime.date, bool]:
    """The table's days of ``year``, each mapped to whether it is a working day (one query);
    empty when the office has not entered the year."""
    rows = holiday_list(year=year).values_list("day", "kind")
    return {day: kind == HolidayKind.WORKING_DAY for day, kind in rows}


def year_has_holiday_data(year: int) -> bool:
    """Whether the working days of ``year`` are known: the package knows it, or the table has
    rows for it."""
    return year in PACKAGE_YEARS or holiday_list(year=year).exists()


def holiday_years_missing(*, today: datetime.date) -> list[int]:
    """The years of the current and the coming quarter that have no holiday data at all."""
    quarter = Quarter.of(today)
    years = sorted({quarter.year, quarter.next().year})
    return [year for year in years if not year_has_holiday_data(year)]


# --- parsing a file ----------------------------------------------------------------------------


def _parse_day(text: str) -> datetime.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):  # Excel re-saves dates as 2027/2/6
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def _kind_of(text: str) -> str | None:
    words = KIND_WORDS | {str(label): value for value, label in HolidayKind.choices}
    if text.lower() in HolidayKind.values:
        return text.lower()
    return words.get(text)


def holiday_rows_parse(
    records: Iterable[Mapping[str, str | None]], *, first_line: int = 2
) -> list[HolidayRow]:
    """The rows of a file read as dicts (columns day, kind, name and optionally note), the first
    on line ``first_line``; HolidayFileError listing every bad line when any is bad."""
    rows, errors, lines = [], [], {}
    for line, record in enumerate(records, start=first_line):
        problems = []
        text = {key: (record.get(key) or "").strip() for key in ("day", "kind", "name", "note")}
        try:
            day = _parse_day(text["day"])
        except ValueError:
            day = None
            problems.append(
                _("the date “%(value)s” is not a date like 2027-02-06") % {"value": text["day"]}
            )
        kind = _kind_of(text["kind"])
        if kind is None:
            problems.append(
                _("the kind “%(value)s” is neither off (休) nor work (班)")
                % {"value": text["kind"]}
            )
        if not text["name"]:
            problems.append(_("the holiday name is empty"))
        elif len(text["name"]) > NAME_MAX:
            problems.append(
                _("the holiday name is longer than %(max)d characters") % {"max": NAME_MAX}
            )
        if len(text["note"]) > NOTE_MAX:
            problems.append(_("the note is longer than %(max)d characters") % {"max": NOTE_MAX})
        if day in lines:
            problems.append(
                _("%(day)s is also on line %(line)d") % {"day": day.isoformat(), "line": lines[day]}
            )
        elif day is not None:
            lines[day] = line
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            rows.append(HolidayRow(day, kind, text["name"], text["note"]))
    if errors:
        raise HolidayFileError(errors)
    return rows


# --- writes ------------------------------------------------------------------------------------


def holiday_set(*, day: datetime.date, kind: str, name: str, note: str = "") -> Holiday:
    """Enter one day of the notice, replacing what the table said about that day."""
    holiday, _created = Holiday.objects.update_or_create(
        day=day, defaults={"kind": kind, "name": name, "note": note}
    )
    return holiday


@transaction.atomic
def holidays_load(*, rows: Iterable[HolidayRow]) -> int:
    """Enter many days at once, all or none; answers how many were added or changed (a second
    load of the same rows answers 0)."""
    rows = list(rows)
    if len({row.day for row in rows}) != len(rows):
        raise ValueError("a day appears twice")
    existing = {h.day: h for h in Holiday.objects.filter(day__in=[row.day for row in rows])}
    changed = 0
    for row in rows:
        old = existing.get(row.day)
        if old and (old.kind, old.name, old.note) == (row.kind, row.name, row.note):
            continue
        holiday_set(day=row.day, kind=row.kind, name=row.name, note=row.note)
        changed += 1
    return changed


def holidays_fill_from_package(*, year: int) -> int:
    """Copy the chinese-calendar package's days of ``year`` into the table (to adjust them
    there); answers how many were added or changed. ValueError for a year it does not know."""
    if year not in PACKAGE_YEARS:
        raise ValueError(year)
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    rows = [
        HolidayRow(day, kind, names.get(name, name))
        for days, kind in (
            (chinese_calendar.holidays, HolidayKind.DAY_OFF),
            (chinese_calendar.workdays, HolidayKind.WORKING_DAY),
        )
        for day, name in days.items()
        if day.year == year
    ]
    return holidays_load(rows=sorted(rows, key=lambda row: row.day))
