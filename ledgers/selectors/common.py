"""What the five ledgers share: the period, division names by level, scoping to an area, chunked
reads planned for every row, labels."""

import contextlib
import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from baobao import keyset
from baobao.models import PATH_DIGITS, Division, Level
from inspections.quarters import Quarter

CHUNK = 2000
LEVELS = list(PATH_DIGITS.items())


@dataclass(frozen=True)
class Period:
    """A closed range of local dates; both ends None means "all dates"."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    label: str = ""

    @classmethod
    def of_quarter(cls, quarter: Quarter) -> "Period":
        return cls(quarter.first_day, quarter.last_day, str(quarter))

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def date_q(self, field: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field}__lte": self.end})
        return q

    def datetime_q(self, field: str) -> Q:
        """The range as aware local datetimes, end exclusive (so the index on ``field`` is used)."""
        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": local_midnight(self.start)})
        if self.end:
            q &= Q(**{f"{field}__lt": local_midnight(self.end + datetime.timedelta(days=1))})
        return q


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DivisionNames:
    """Names of a division's ancestors at each level, from the division's path, for a scope."""

    def __init__(self, root: Division | None):
        qs = Division.objects.all()
        if root is not None:
            ancestors = [root.path[:n] for lvl, n in LEVELS if lvl < root.level]
            qs = qs.filter(Q(path__startswith=root.path) | Q(path__in=ancestors))
        self._names = dict(qs.values_list("path", "name"))
        # Rows share a few thousand paths (their villages): each path's names are built once.
        self._of: dict[str, tuple[str, ...]] = {}

    def of(self, path: str) -> tuple[str, ...]:
        """(province, city, county, township, village) names; "" below the division's level."""
        names = self._of.get(path)
        if names is None:
            names = self._of[path] = tuple(
                self._names.get(path[:n], "") if len(path) >= n else "" for _lvl, n in LEVELS
            )
        return names


def within_scope(qs, user, division: Division | None, prefix: str):
    qs = qs.for_user(user)
    if division is not None:
        qs = qs.filter(**{f"{prefix}__path__startswith": division.path})
    return qs


def read_all(qs) -> Iterator[tuple]:
    """The rows of ``qs`` in chunks of CHUNK (``.iterator()``), its query planned to be read to
    the last row.

    On PostgreSQL ``.iterator()`` reads through a cursor, which the planner optimises for its
    first tenth of rows (``cursor_tuple_fraction``): the issues ledger of a city then walked the
    province's issues by date and joined each to its business (2.8 s) instead of taking the
    city's businesses' issues and sorting them (0.17 s). A ledger reads every row, so the
    setting is 1 while the cursor is declared and planned (at the first fetch), then reset.
    """
    rows = qs.iterator(chunk_size=CHUNK)
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        yield from rows
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1")
    try:
        first = next(rows, None)
    finally:
        # In a failed transaction the reset fails too, and the rollback undoes the setting.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")
    if first is not None:
        yield first
        yield from rows


def choice_labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def level_labels() -> dict:
    """Each level's label in the current language, and "" for none: looked up once per ledger,
    not per row."""
    return {None: "", **choice_labels(Level.choices)}


def yes_no_labels() -> tuple[str, str]:
    """("No", "Yes") in the current language: indexed by a flag, ``yes_no[bool(flag)]``."""
    return _("No"), _("Yes")


@functools.cache
def quarter_label(code: int) -> str:
    """The label of a quarter code, 20261 → 2026Q1 (the same in every language)."""
    return str(Quarter.from_code(code))


def person_name(last: str | None, first: str | None, username: str | None) -> str:
    return f"{last or ''}{first or ''}" or (username or "")


def count_of(qs, field: str, only: Q | None = None):
    """The number of rows of ``qs`` whose ``field`` is the outer row, those matching ``only`` if
    given (counted among the outer row's rows, found by ``field``'s index)."""
    return Coalesce(
        Subquery(
            qs.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk", filter=only))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


bounded_count = keyset.bounded_count
