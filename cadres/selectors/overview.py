"""Reads of the office's overview pages: coverage gaps (全覆盖), load balance (防止畸轻畸重) and the
dynamic adjustment ledger (动态调整台账). Scope first, set-based, a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr

from baobao.models import PATH_DIGITS, Division, Level
from cadres.models import Adjustment, Assignment, Cadre, CadreStatus
from entities.models import GRADE_LEVEL, Entity, EntityStatus

# Businesses that must have a holder: in business or suspended (it may reopen); closed ones not.
OPEN_STATUSES = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)

# 防止畸轻畸重: a cadre is overloaded above max(OVERLOAD_FACTOR × median, median + OVERLOAD_MARGIN)
# of their level, i.e. more than twice the median AND clearly above it when the median is small.
OVERLOAD_FACTOR = 2
OVERLOAD_MARGIN = 3


def below_level_q(prefix: str = "") -> Q:
    """Holdings whose cadre sits below the level the business's grade now requires (层级对应).

    ``prefix`` leads from the queried model to the Assignment ("" for Assignment itself).
    """
    q = Q()
    for grade, level in GRADE_LEVEL.items():
        if level < Level.VILLAGE:
            q |= Q(
                **{f"{prefix}entity__grade": grade, f"{prefix}cadre__division__level__gt": level}
            )
    return q


def _open_entities(*, user, division: Division | None, grade: str) -> QuerySet[Entity]:
    qs = Entity.objects.for_user(user).filter(status__in=OPEN_STATUSES)
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def _current_holdings(*, user, division: Division | None, grade: str) -> QuerySet[Assignment]:
    qs = Assignment.objects.for_user(user).filter(end_date__isnull=True)
    if division is not None:
        qs = qs.filter(entity__division__path__startswith=division.path)
    if grade:
        qs = qs.filter(entity__grade=grade)
    return qs


def _holding_of_outer_entity() -> QuerySet[Assignment]:
    return Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True)


# --- coverage (全覆盖) -------------------------------------------------------------------------


def coverage_counts(*, user, division: Division | None = None, grade: str = "") -> dict:
    """The three kinds of gap, counted in businesses, in one aggregate query over the scope."""
    holding = _holding_of_outer_entity()
    counts = _open_entities(user=user, division=division, grade=grade).aggregate(
        unheld=Count("pk", filter=~Exists(holding)),
        held_by_left=Count("pk", filter=Exists(holding.filter(cadre__status=CadreStatus.LEFT))),
        below_level=Count(
            "pk",
            filter=Exists(holding.filter(below_level_q(), cadre__status=CadreStatus.ACTIVE)),
        ),
    )
    counts["total"] = counts["unheld"] + counts["held_by_left"] + counts["below_level"]
    return counts


def coverage_unheld(*, user, division: Division | None = None, grade: str = "") -> QuerySet[Entity]:
    """Open businesses in scope that nobody holds (no current holding at all)."""
    return (
        _open_entities(user=user, division=division, grade=grade)
        .filter(~Exists(_holding_of_outer_entity()))
        .select_related("division")
        .order_by("name", "id")
    )


def coverage_left_cadres(*, user, division: Division | None = None, grade: str = "") -> QuerySet:
    """Cadres who left their post and still hold businesses in scope, one row each (dicts) with
    the number of those businesses; the most first."""
    return (
        _current_holdings(user=user, division=division, grade=grade)
        .filter(cadre__status=CadreStatus.LEFT)
        .values(
            "cadre_id",
            "cadre__name",
            "cadre__left_on",
            "cadre__division__name",
            "cadre__division__level",
            "cadre__division__path",
        )
        .annotate(holdings=Count("pk"))
        .order_by("-holdings", "cadre__name", "cadre_id")
    )


def coverage_below_level(
    *, user, division: Division | None = None, grade: str = ""
) -> QuerySet[Assignment]:
    """Current holdings of cadres in post whose level is below what the grade requires, typically
    after a regrade. (Holdings of cadres who left are listed with those cadres.)"""
    return (
        _current_holdings(user=user, division=division, grade=grade)
        .filter(below_level_q(), cadre__status=CadreStatus.ACTIVE)
        .select_related("entity__division", "cadre__division")
        .order_by("entity__name", "pk")
    )


# --- balance (防止畸轻畸重) -----------------------------------------------------------------------


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


def _load() -> Coalesce:
    current = (
        Assignment.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True)
        .order_by()
        .values("cadre")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(current, output_field=IntegerField()), 0)


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
    """Cadres in post whose load is above their level's threshold, the heaviest first."""
    over = Q(pk__in=[])
    for level, threshold in thresholds.items():
        over |= Q(division__level=level, load__gt=threshold)
    return (
        _cadres_in_post(user=user, division=division)
        .annotate(load=_load())
        .filter(over)
        .select_related("division")
        .order_by("-load", "name", "pk")
    )


def balance_idle(*, user, division: Division | None = None) -> QuerySet[Cadre]:
    """Cadres in post who hold nothing (闲置), highest level first."""
    return (
        _cadres_in_post(user=user, division=division)
        .filter(~Exists(Assignment.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True)))
        .select_related("division")
        .order_by("division__level", "division__code", "name", "pk")
    )


# --- the adjustment ledger (动态调整台账) --------------------------------------------------------


def adjustment_list(
    *,
    user,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    kind: str = "",
    division: Division | None = None,
    cadre: Cadre | None = None,
) -> QuerySet[Adjustment]:
    """The ledger rows in scope, newest first, narrowed by the given filters."""
    qs = Adjustment.objects.for_user(user)
    if date_from:
        qs = qs.filter(effective_date__gte=date_from)
    if date_to:
        qs = qs.filter(effective_date__lte=date_to)
    if kind:
        qs = qs.filter(kind=kind)
    if division is not None:
        qs = qs.filter(entity__division__path__startswith=division.path)
    if cadre is not None:
        qs = qs.filter(Q(from_cadre=cadre) | Q(to_cadre=cadre))
    return qs.select_related(
        "entity__division",
        "from_cadre__division",
        "to_cadre__division",
        "zone",
        "created_by",
    ).order_by("-effective_date", "-pk")


# --- the home page's figures ------------------------------------------------------------------


def entity_grade_counts(*, user) -> dict[str, int]:
    """Open businesses in scope per grade, in one aggregate query."""
    return (
        Entity.objects.for_user(user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(**{grade.value: Count("pk", filter=Q(grade=grade)) for grade in GRADE_LEVEL})
    )


def cadre_level_counts(*, user) -> dict[Level, int]:
    """Cadres in post in scope per level, in one grouped query."""
    rows = (
        Cadre.objects.for_user(user)
        .filter(status=CadreStatus.ACTIVE)
        .values("division__level")
        .annotate(n=Count("pk"))
        .order_by("division__level")
    )
    return {Level(row["division__level"]): row["n"] for row in rows}
