"""Reads of the balance page (防止畸轻畸重): the load of each cadre in post (the businesses they
hold now) by level and by child area, and the overloaded and idle cadres. Scope first, a fixed
number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Star
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from cadres.models import Assignment, Cadre, CadreStatus

# 防止畸轻畸重: a cadre is overloaded above max(OVERLOAD_FACTOR × median, median + OVERLOAD_MARGIN)
# of their level, i.e. more than twice the median AND clearly above it when the median is small.
OVERLOAD_FACTOR = 2
OVERLOAD_MARGIN = 3


def _percentile(histogram: dict[int, int], p: float) -> float:
    """The p-quantile (linear interpolation) of the values a {value: how many} histogram holds."""
    n = sum(histogram.values())
    position = p * (n - 1)
    lower, upper = int(position), min(int(position) + 1, n - 1)
    seen, low_value, high_value = 0, None, None
    for value in sorted(histogram):
        seen += histogram[value]
        if low_value is None and seen > lower:
            low_value = value
        if seen > upper:
            high_value = value
            break
    return low_value + (high_value - low_value) * (position - lower)


def overload_threshold(median: float) -> float:
    """A load above this is overloaded for a level with this median."""
    return max(OVERLOAD_FACTOR * median, median + OVERLOAD_MARGIN)


@dataclass
class LoadStats:
    """Loads (current holdings per cadre in post) of one group of cadres."""

    level: Level
    histogram: dict[int, int] = field(default_factory=dict)
    threshold: float | None = None

    def add(self, load: int, cadres: int) -> None:
        self.histogram[load] = self.histogram.get(load, 0) + cadres

    @property
    def cadres(self) -> int:
        return sum(self.histogram.values())

    @property
    def holdings(self) -> int:
        return sum(load * n for load, n in self.histogram.items())

    @property
    def min(self) -> int:
        return min(self.histogram)

    @property
    def max(self) -> int:
        return max(self.histogram)

    @property
    def q1(self) -> float:
        return _percentile(self.histogram, 0.25)

    @property
    def median(self) -> float:
        return _percentile(self.histogram, 0.5)

    @property
    def q3(self) -> float:
        return _percentile(self.histogram, 0.75)

    @property
    def mean(self) -> float:
        return self.holdings / self.cadres

    @property
    def idle(self) -> int:
        return self.histogram.get(0, 0)

    @property
    def overloaded(self) -> int:
        return sum(n for load, n in self.histogram.items() if load > self.threshold)


@dataclass
class AreaLoads:
    """The loads of one child division (or of the chosen division's own cadres), by level."""

    division: Division | None
    levels: list[LoadStats]


def _load() -> Subquery:
    """The cadre's current holdings: a plain COUNT per cadre (no GROUP BY, so 0 when none).
    COUNT(*), not of a column: the (cadre, end_date) index then answers it alone (a city's
    balance counts 220 → 50 ms)."""
    current = (
        Assignment.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True)
        .order_by()
        .values(n=Func(Star(), function="COUNT", output_field=IntegerField()))
    )
    return Subquery(current, output_field=IntegerField())


def _cadres_in_post(*, user, division: Division | None) -> QuerySet[Cadre]:
    qs = Cadre.objects.for_user(user).filter(status=CadreStatus.ACTIVE)
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    return qs


def cadre_load_balance(*, user, division: Division | None = None) -> dict:
    """Load per cadre in post by level, over the scope (or ``division``) and per child division.

    One grouped query returns how many cadres carry each load per level and child area (a few
    hundred rows at most, whatever the number of cadres); the statistics come from that histogram.
    """
    root = division or (user.division if user.is_office and user.division_id else None)
    if root is None:
        child_level = Level.PROVINCE
    else:
        child_level = Level(root.level + 1) if root.level < Level.VILLAGE else None
    digits = PATH_DIGITS[child_level] if child_level else PATH_DIGITS[Level.VILLAGE]
    rows = (
        _cadres_in_post(user=user, division=division)
        .annotate(
            load=_load(), level=F("division__level"), area=Substr("division__path", 1, digits)
        )
        .values("level", "load", "area")
        .annotate(cadres=Count("pk"))
        .order_by()
    )
    by_level: dict[int, LoadStats] = {}
    by_area: dict[str, dict[int, LoadStats]] = defaultdict(dict)
    for row in rows:
        level = Level(row["level"])
        by_level.setdefault(level, LoadStats(level)).add(row["load"], row["cadres"])
        if child_level:
            by_area[row["area"]].setdefault(level, LoadStats(level)).add(row["load"], row["cadres"])
    levels = [by_level[level] for level in sorted(by_level)]
    for stats in levels:
        stats.threshold = overload_threshold(stats.median)
    areas = []
    if child_level:
        children = Division.objects.filter(parent=root).order_by("code")
        own_path = root.path if root else None
        # The child divisions in code order, then the cadres who sit at the root itself.
        for child in [*children, None]:
            area = by_area.get(child.path if child else own_path)
            if not area:
                continue
            for level, stats in area.items():
                stats.threshold = by_level[level].threshold
            areas.append(AreaLoads(child, [area[level] for level in sorted(area)]))
    return {"root": root, "levels": levels, "areas": areas}


def balance_overloaded(
    *, user, thresholds: dict[int, float], division: Division | None = None
) -> QuerySet[Cadre]:
    """Cadres in post whose load is above their level's threshold, the heaviest first.

    The load is compared once with the threshold of the cadre's level (a CASE), not once per
    level: each mention of the load is another count of the cadre's holdings.
    """
    if not thresholds:
        return Cadre.objects.none()
    threshold = Case(
        *(When(division__level=level, then=Value(t)) for level, t in thresholds.items()),
        output_field=FloatField(),
    )
    return (
        _cadres_in_post(user=user, division=division)
        .annotate(load=_load())
        .alias(threshold=threshold)
        .filter(load__gt=F("threshold"))
        .select_related("division")
        .order_by("-load", "name", "pk")
    )


def balance_idle(*, user, division: Division | None = None) -> QuerySet[Cadre]:
    """Cadres in post who hold nothing (闲置), highest level first.

    Their load counted as for the chart, not NOT EXISTS: as an anti-join PostgreSQL sorted every
    cadre of the area (in parallel) before looking up which of them hold something.
    """
    return (
        _cadres_in_post(user=user, division=division)
        .alias(load=_load())
        .filter(load=0)
        .select_related("division")
        .order_by("division__level", "division__code", "name", "pk")
    )
