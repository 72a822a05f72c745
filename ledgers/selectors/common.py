"""What the five ledgers share: the period, division names by level, scoping to an area, chunked reads, labels."""

import datetime
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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

    def of(self, path: str) -> tuple[str, ...]:
        """(province, city, county, township, village) names; "" below the division's level."""
        return tuple(self._names.get(path[:n], "") if len(path) >= n else "" for _lvl, n in LEVELS)


def within_scope(qs, user, division: Division | None, prefix: str):
    qs = qs.for_user(user)
    if division is not None:
        qs = qs.filter(**{f"{prefix}__path__startswith": division.path})
    return qs


def batched(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def choice_labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def level_label(level) -> str:
    return _level_label_in(level, translation.get_language()) if level else ""


# Ledgers ask for these labels on every row: look each up once per language, not per row.
@functools.cache
def _level_label_in(level: int, language: str) -> str:
    return str(Level(level).label)


def person_name(last: str | None, first: str | None, username: str | None) -> str:
    return f"{last or ''}{first or ''}" or (username or "")


def yes_no(flag: bool) -> str:
    return _yes_no_in(bool(flag), translation.get_language())


@functools.cache
def _yes_no_in(flag: bool, language: str) -> str:
    return _("Yes") if flag else _("No")


def count_of(qs, field: str):
    return Coalesce(
        Subquery(
            qs.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def bounded_count(qs, limit: int) -> int:
    """How many rows ``qs`` has, counting no further than ``limit + 1`` (never a full COUNT)."""
    return qs.order_by().values("pk")[: limit + 1].count()
