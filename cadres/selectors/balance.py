"""Reads of the balance page (防止畸轻畸重): the load of each cadre in post (the businesses they
hold now) by level and by child area, and the overloaded and idle cadres. Scope first, a fixed
number of queries, from the running counts of the loads (cadres.loads), not a count of every
cadre's holdings."""

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
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Star
from django.db.models.functions import Substr

from baobao.models import PATH_DIGITS, Division, Level
from baobao.scoping import division_in_scope
from cadres.models import Assignment, Cadre, CadreStatus, LoadTally

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
    The live count, which the running counts (cadres.loads) replace on the page; kept for the
    users whose scope is not an area and as the tests' oracle."""
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


def whole_area(user, division: Division | None) -> Division | bool | None:
    """The area an office or the admin sees all of (False: the whole tree), or None when the
    user's scope is narrower than an area (a cadre's holdings), so the tallies cannot answer."""
    if user.is_system_admin:
        return division or False
    if user.is_office and user.division_id:
        area = division or user.division
        return area if division_in_scope(user, area) else None
    return None


def _root_and_child_level(user, division: Division | None):
    root = division or (user.division if user.is_office and user.division_id else None)
    if root is None:
        return None, Level.PROVINCE
    return root, (Level(root.level + 1) if root.level < Level.VILLAGE else None)


def _child_digits(child_level: Level | None) -> int:
    """The path length the figures are grouped by: the child level's (a village's at the bottom)."""
    return PATH_DIGITS[child_level or Level.VILLAGE]


def _tallied_rows(path: str, digits: int):
    """(level, load, area) → cadres in post, from the running histogram (cadres.loads)."""
    return (
        LoadTally.objects.area(path, digits=digits)
        .values("level", "load", area=Substr("division_path", 1, digits))
        .annotate(cadres=Sum("cadres"))
        .filter(cadres__gt=0)
        .order_by()
    )


def _live_rows(user, division: Division | None, digits: int):
    """(level, load, area) → cadres in post, counting every cadre's holdings."""
    return (
        _cadres_in_post(user=user, division=division)
        .annotate(
            load=_load(), level=F("division__level"), area=Substr("division__path", 1, digits)
        )
        .values("level", "load", "area")
        .annotate(cadres=Count("pk"))
        .order_by()
    )


def cadre_load_balance(*, user, division: Division | None = None) -> dict:
    """Load per cadre in post by level, over the scope (or ``division``) and per child division.

    For an office or the admin, one grouped sum over the area's rows of the running histogram
    (cadres.loads: a few thousand rows at most, whatever the number of cadres); otherwise one
    grouped count over the cadres in scope. The statistics come from that histogram.
    """
    area = whole_area(user, division)
    if area is None:
        return cadre_load_balance_live(user=user, division=division)
    root, child_level = _root_and_child_level(user, division)
    rows = _tallied_rows(area.path if area else "", _child_digits(child_level))
    return _balance(root, child_level, rows)


def cadre_load_balance_live(*, user, division: Division | None = None) -> dict:
    """The same figures counted from every cadre's holdings (the running counts' oracle)."""
    root, child_level = _root_and_child_level(user, division)
    return _balance(root, child_level, _live_rows(user, division, _child_digits(child_level)))


def _balance(root: Division | None, child_level: Level | None, rows) -> dict:
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


def _in_post_loads(*, user, division: Division | None) -> QuerySet[Cadre]:
    """Cadres in post in scope with their kept load (``load``), by their mark (cadres.loads)."""
    qs = Cadre.objects.for_user(user).filter(load_mark__in_post=True)
    if division is not None:
        qs = qs.filter(load_mark__division_path__startswith=division.path)
    return qs.annotate(load=F("load_mark__load"))


def balance_overloaded(
    *, user, thresholds: dict[int, float], division: Division | None = None
) -> QuerySet[Cadre]:
    """Cadres in post whose load is above their level's threshold, the heaviest first.

    The kept loads above the smallest threshold are found by the marks' index (a few), then
    each compared with the threshold of the cadre's level (a CASE).
    """
    if not thresholds:
        return Cadre.objects.none()
    threshold = Case(
        *(When(load_mark__level=level, then=Value(t)) for level, t in thresholds.items()),
        output_field=FloatField(),
    )
    return (
        _in_post_loads(user=user, division=division)
        .filter(load_mark__load__gt=min(thresholds.values()))
        .alias(threshold=threshold)
        .filter(load__gt=F("threshold"))
        .select_related("division")
        .order_by("-load", "name", "pk")
    )


def balance_idle(*, user, division: Division | None = None) -> QuerySet[Cadre]:
    """Cadres in post who hold nothing (闲置), highest level first: the marks' partial index
    of the idle finds them."""
    return (
        _in_post_loads(user=user, division=division)
        .filter(load_mark__load=0)
        .select_related("division")
        .order_by("division__level", "division__code", "name", "pk")
    )
