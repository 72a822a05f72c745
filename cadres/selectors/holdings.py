"""Reads for assignment work: who may take a holding (the cadre picker) and what a cadre holds."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from baobao.models import PATH_DIGITS, Division, Level
from cadres.models import Assignment, Cadre, ZoneAssignment
from cadres.selectors.registers import current_holding_count
from entities.models import Entity, EntityStatus, Zone


def access_zone_assignment(user, pk) -> ZoneAssignment:
    """The zone holding with this id if the user may see its zone; 404 otherwise."""
    return get_object_or_404(
        ZoneAssignment.objects.filter(zone__in=Zone.objects.for_user(user)).select_related(
            "zone__division", "cadre__division"
        ),
        pk=pk,
    )


def _ancestor_paths(division: Division) -> list[str]:
    """The paths of ``division`` and every division above it."""
    return [division.path[:n] for level, n in PATH_DIGITS.items() if level <= division.level]


def cadre_fits(cadre: Cadre, division: Division, level: int) -> bool:
    """True when ``cadre`` may hold something in ``division`` that needs ``level`` or above."""
    return cadre.division.contains(division) and cadre.division.level <= level


def fitting_cadres_queryset(*, user, places: list[tuple[Division, int]], exclude=()):
    """The query behind :func:`fitting_cadres`: cadres in post and in scope sitting in a
    division above one of ``places``, at or above the lowest level needed, with ``load``."""
    paths = sorted({path for division, _ in places for path in _ancestor_paths(division)})
    lowest = max(level for _, level in places)
    return (
        Cadre.objects.for_user(user)
        .active()
        .filter(division__path__in=paths, division__level__lte=lowest)
        .exclude(pk__in=exclude)
        .select_related("division")
        .annotate(load=current_holding_count())
        .order_by("-division__level", "division__code", "name", "pk")
    )


def fitting_cadres(
    *, user, places: list[tuple[Division, int]], exclude: tuple[int, ...] = ()
) -> list[Cadre]:
    """Cadres in post and in the user's scope who fit at least one of ``places`` (a division and
    the level its business needs), each with ``load`` (businesses held now); lowest fitting level
    first. Only the divisions above each place are searched, so the list is short even for a
    province: a handful of divisions, one query."""
    if not places:
        return []
    cadres = fitting_cadres_queryset(user=user, places=places, exclude=exclude)
    return [c for c in cadres if any(cadre_fits(c, d, lvl) for d, lvl in places)]


def candidates_for_entity(*, user, entity: Entity, exclude=()) -> list[Cadre]:
    """The cadre picker of one business: in scope, in post, over its division, at or above the
    level its grade needs."""
    return fitting_cadres(
        user=user, places=[(entity.division, entity.required_level)], exclude=tuple(exclude)
    )


def zone_required_level(entities) -> int:
    """The lowest level a cadre holding all of ``entities`` may have (any level when empty)."""
    return min((e.required_level for e in entities), default=Level.VILLAGE)


def candidates_for_zone(*, user, zone: Zone, exclude=()) -> tuple[list[Cadre], int]:
    """The cadre picker of a zone (分片包保): over the zone's division, at or above the level of
    its most demanding open business. Returns the cadres and that level."""
    entities = Entity.objects.filter(zone=zone).exclude(status=EntityStatus.CLOSED).only("grade")
    level = zone_required_level(entities)
    return (
        fitting_cadres(user=user, places=[(zone.division, level)], exclude=tuple(exclude)),
        level,
    )


def candidates_for_zone_assignment(
    *, user, zone_assignment: ZoneAssignment
) -> tuple[list[Cadre], int]:
    """Who may take over a zone holding: as for the zone, without its present holder."""
    return candidates_for_zone(
        user=user, zone=zone_assignment.zone, exclude=(zone_assignment.cadre_id,)
    )


def entity_holders(entity: Entity) -> tuple[Assignment | None, ZoneAssignment | None]:
    """Who holds ``entity`` now: its current holding, and the holding of its zone if any (an
    entity in a held zone is held through the zone, not directly). The entity is already in
    the user's scope, and so is whatever holds it."""
    held = Assignment.objects.current().filter(entity=entity).select_related("cadre").first()
    zone_holding = None
    if entity.zone_id:
        zone_holding = zone_current_holding(entity.zone_id)
    return held, zone_holding


def zone_current_holding(zone_id: int) -> ZoneAssignment | None:
    """The open holding of a zone (at most one), with its cadre and the cadre's division."""
    return (
        ZoneAssignment.objects.filter(zone_id=zone_id, end_date__isnull=True)
        .select_related("cadre__division")
        .first()
    )


@dataclass
class HoldingRow:
    """One business a cadre holds directly, with the cadres who could take it."""

    assignment: Assignment
    candidates: list[Cadre] = field(default_factory=list)

    @property
    def required_level(self) -> int:
        return self.assignment.entity.required_level


@dataclass
class ZoneRow:
    """One zone a cadre holds (分片包保): it moves whole, to one successor."""

    zone_assignment: ZoneAssignment
    assignments: list[Assignment] = field(default_factory=list)
    candidates: list[Cadre] = field(default_factory=list)

    @property
    def required_level(self) -> int:
        return zone_required_level(a.entity for a in self.assignments)


@dataclass
class HoldingsPlan:
    """A cadre's current holdings for re-assignment, with the successors each could go to."""

    direct: list[HoldingRow]
    zones: list[ZoneRow]
    # Cadres who could take every holding at once.
    for_all: list[Cadre]

    @property
    def count(self) -> int:
        return len(self.direct) + sum(len(z.assignments) for z in self.zones)

    @property
    def for_any_direct(self) -> list[Cadre]:
        """Cadres who could take at least one of the direct holdings, fitting level first."""
        seen, cadres = set(), []
        for row in self.direct:
            for cadre in row.candidates:
                if cadre.pk not in seen:
                    seen.add(cadre.pk)
                    cadres.append(cadre)
        return sorted(cadres, key=lambda c: (-c.division.level, c.division.code, c.name, c.pk))


def cadre_holdings_plan(*, user, cadre: Cadre) -> HoldingsPlan:
    """What ``cadre`` holds now (directly and through zones) and who could take each part.

    Three queries whatever the number of holdings: the holdings, the zone holdings, the cadres.
    """
    holdings = list(
        Assignment.objects.for_user(user)
        .current()
        .filter(cadre=cadre)
        .select_related("entity__division", "via_zone")
        .order_by("entity__grade", "entity__name", "pk")
    )
    zone_rows = {
        za.pk: ZoneRow(zone_assignment=za)
        for za in ZoneAssignment.objects.filter(
            cadre=cadre, end_date__isnull=True, zone__in=Zone.objects.for_user(user)
        )
        .select_related("zone__division")
        .order_by("zone__name", "pk")
    }
    direct = []
    for a in holdings:
        if a.via_zone_id in zone_rows:
            zone_rows[a.via_zone_id].assignments.append(a)
        else:
            direct.append(HoldingRow(assignment=a))
    zones = list(zone_rows.values())
    places = [(r.assignment.entity.division, r.required_level) for r in direct] + [
        (z.zone_assignment.zone.division, z.required_level) for z in zones
    ]
    cadres = fitting_cadres(user=user, places=places, exclude=(cadre.pk,))
    for row in direct:
        row.candidates = [
            c for c in cadres if cadre_fits(c, row.assignment.entity.division, row.required_level)
        ]
    for row in zones:
        row.candidates = [
            c
            for c in cadres
            if cadre_fits(c, row.zone_assignment.zone.division, row.required_level)
        ]
    for_all = [c for c in cadres if all(cadre_fits(c, d, lvl) for d, lvl in places)]
    return HoldingsPlan(direct=direct, zones=zones, for_all=for_all)
