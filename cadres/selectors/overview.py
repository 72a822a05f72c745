"""Reads of the office's overview pages: coverage gaps (全覆盖) and the dynamic adjustment ledger
(动态调整台账), and the home page's figures. Scope first, set-based, a fixed number of queries.
The load balance (防止畸轻畸重) is in cadres.selectors.balance."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat

from baobao.models import Division, Level
from cadres.models import Adjustment, Assignment, Cadre, CadreStatus, HoldingMark
from cadres.selectors.balance import (
    OVERLOAD_FACTOR,
    OVERLOAD_MARGIN,
    AreaLoads,
    LoadStats,
    balance_idle,
    balance_overloaded,
    cadre_load_balance,
    overload_threshold,
    whole_area,
)
from cadres.tallies import holding_sums, open_businesses
from entities.models import GRADE_LEVEL, Entity, EntityStatus

# The balance page's reads moved to cadres.selectors.balance; still importable from here.
__all__ = [
    "OPEN_STATUSES",
    "OVERLOAD_FACTOR",
    "OVERLOAD_MARGIN",
    "AreaLoads",
    "LoadStats",
    "adjustment_list",
    "balance_idle",
    "balance_overloaded",
    "below_level_q",
    "cadre_level_counts",
    "cadre_load_balance",
    "coverage_below_level",
    "coverage_counts",
    "coverage_counts_live",
    "coverage_left_cadres",
    "coverage_unheld",
    "entity_grade_counts",
    "overload_threshold",
]

# Businesses that must have a holder: in business or suspended (it may reopen); closed ones not.
OPEN_STATUSES = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)

# The grades a holder can be below the level of: any grade a cadre of a village may not hold.
BELOW_LEVEL_GRADES = [grade for grade, level in GRADE_LEVEL.items() if level < Level.VILLAGE]


def below_level_q(prefix: str = "") -> Q:
    """Holdings whose cadre sits below the level the business's grade now requires (层级对应).

    ``prefix`` leads from the queried model to the Assignment ("" for Assignment itself).
    """
    q = Q()
    for grade in BELOW_LEVEL_GRADES:
        q |= Q(
            **{
                f"{prefix}entity__grade": grade,
                f"{prefix}cadre__division__level__gt": GRADE_LEVEL[grade],
            }
        )
    return q


def _open_entities(*, user, division: Division | None, grade: str) -> QuerySet[Entity]:
    qs = Entity.objects.for_user(user).filter(status__in=OPEN_STATUSES)
    if division is not None:
        qs = qs.in_area(division)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def _current_holdings(*, user, division: Division | None, grade: str) -> QuerySet[Assignment]:
    qs = Assignment.objects.for_user(user).filter(end_date__isnull=True)
    if division is not None:
        qs = qs.filter(entity__division_path__startswith=division.path)
    if grade:
        qs = qs.filter(entity__grade=grade)
    return qs


def _holding_of_outer_entity() -> QuerySet[Assignment]:
    return Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True)


def _held_by_left(holdings: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return holdings.filter(cadre__status=CadreStatus.LEFT)


def _below_level(holdings: QuerySet[Assignment]) -> QuerySet[Assignment]:
    # Grade D never breaks the rule; said outright, the rows are the area's graded A to C found
    # through the grade index, and PostgreSQL counts on few of them (so it gathers them all).
    return holdings.filter(
        below_level_q(), entity__grade__in=BELOW_LEVEL_GRADES, cadre__status=CadreStatus.ACTIVE
    )


# --- coverage (全覆盖) -------------------------------------------------------------------------


def coverage_counts(*, user, division: Division | None = None, grade: str = "") -> dict:
    """The three kinds of gap, counted in businesses: for an office or the admin (who see the
    whole area) from the running counts (``cadres.tallies``) in two small sums, for anyone else
    from the rows in scope (``coverage_counts_live``)."""
    area = whole_area(user, division)
    if area is not None:
        return _counted_gaps(area.path if area else "", grade)
    return coverage_counts_live(user=user, division=division, grade=grade)


def coverage_counts_live(*, user, division: Division | None = None, grade: str = "") -> dict:
    """The three kinds of gap, counted in businesses, in one aggregate query over the scope.

    One pass over the area's open businesses: each is looked up once in the current holdings
    (the unheld); the few businesses held by a leaver or below level are gathered once each,
    from the holdings' side, and PostgreSQL hashes them, instead of a lookup per business.
    """
    holdings = _current_holdings(user=user, division=division, grade=grade)
    counts = _open_entities(user=user, division=division, grade=grade).aggregate(
        unheld=Count("pk", filter=~Exists(_holding_of_outer_entity())),
        held_by_left=Count("pk", filter=Q(pk__in=_held_by_left(holdings).values("entity_id"))),
        below_level=Count("pk", filter=Q(pk__in=_below_level(holdings).values("entity_id"))),
    )
    counts["total"] = counts["unheld"] + counts["held_by_left"] + counts["below_level"]
    return counts


def _counted_gaps(path: str, grade: str) -> dict:
    """The gaps of an area from the running counts (cadres.tallies): a sum over a few rows."""
    held = holding_sums(path, grade)
    counts = {
        "unheld": open_businesses(path, grade) - held["held"],
        "held_by_left": held["left"],
        "below_level": held["below"],
    }
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
        _held_by_left(_current_holdings(user=user, division=division, grade=grade))
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
    after a regrade. (Holdings of cadres who left are listed with those cadres.)

    The businesses come from their holding marks (``cadres.tallies``: ``below`` is kept with the
    holdings, in their transaction), whose partial index holds only the few that break the rule:
    a province's list no longer compares the level of every holding (0.5 s at a million). Sorted
    on ``name || ''``, an expression no index provides: the rows are gathered first and then
    sorted. In name order PostgreSQL walked the province's name index looking for a first page
    that, when there is no gap at all, never comes (7.5 s for a city without one).
    """
    marks = HoldingMark.objects.filter(below=True)
    if division is not None:
        marks = marks.filter(division_path__startswith=division.path)
    if grade:
        marks = marks.filter(grade=grade)
    return (
        Assignment.objects.for_user(user)
        .filter(end_date__isnull=True, entity_id__in=marks.values("entity_id"))
        .select_related("entity__division", "cadre__division")
        .annotate(sort_name=Concat("entity__name", Value("")))
        .order_by("sort_name", "pk")
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
