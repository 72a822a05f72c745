"""Who holds what at the start of 2026: zones (分片包保), then the level rule (层级对应包保), with
Tongren's escalations (提级包保) of B entities to city cadres."""

from collections import defaultdict

from baobao.models import Division, Level
from cadres.models import AdjustmentKind, Cadre, ZoneAssignment
from demo import names
from demo.rows import CityRows, Span
from demo.shape import (
    CITY_ESCALATION,
    COUNTY_ESCALATION,
    DEMO_CADRE_HOLDINGS,
    ESCALATED_TO_CITY,
    VILLAGE_ESCALATION,
    ZONE_KIND_ORDER,
    ZONE_LABELS,
    ZONE_TYPES,
    ZONES,
    D,
    day,
    scaled,
)
from entities.models import GRADE_LEVEL, Grade, Zone, ZoneKind


def hold(city: CityRows, i: int, cadre: Cadre, **fields) -> None:
    """Entity ``i`` is held by ``cadre`` from a day around the turn of the year."""
    fields.setdefault("start", day(city.rng, D(2025, 12, 1), D(2026, 1, 16)))
    city.spans[i] = [Span(cadre=cadre, **fields)]


def spread(city: CityRows, indexes: list[int], cadres: list[Cadre], **fields) -> None:
    """Share the entities out evenly over ``cadres``; the odd ones go to random cadres."""
    order = list(cadres)
    city.rng.shuffle(order)
    for k, i in enumerate(indexes):
        hold(city, i, order[k % len(order)], **fields)


def build(city: CityRows) -> None:
    _zones(city)
    at: dict[tuple[str, str], list[int]] = defaultdict(list)  # (grade, holder's division path)
    for i, e in enumerate(city.entities):
        if e.zone is None:
            village = e.division
            holder_division = {
                Grade.A: city.city,
                Grade.B: village.parent.parent,
                Grade.C: village.parent,
                Grade.D: village,
            }[e.grade]
            at[e.grade, holder_division.path].append(i)

    up = _escalated_to_city(city, at)
    city_cadres = city.cadres_at[city.city.path]
    spread(city, at[Grade.A, city.city.path], city_cadres)
    spread(
        city, up, city_cadres, kind=AdjustmentKind.ESCALATE, reason=CITY_ESCALATION, escalated=True
    )
    escalated = set(up)
    for county in city.counties:
        held = [i for i in at[Grade.B, county.path] if i not in escalated]
        cadres = city.cadres_at[county.path]
        if county is city.demo_county:
            # The demo cadre, a deputy district head, holds several B entities of the district.
            city.demo_cadre = cadres[0]
            for i in held[:DEMO_CADRE_HOLDINGS]:
                hold(city, i, city.demo_cadre)
            held, cadres = held[DEMO_CADRE_HOLDINGS:], cadres[1:] or cadres
        spread(city, held, cadres)
    for township in city.townships:
        spread(city, at[Grade.C, township.path], city.cadres_at[township.path])
    for k, village in enumerate(city.villages):
        if k in city.without_cadre:
            spread(
                city,
                at[Grade.D, village.path],
                city.cadres_at[village.parent.path],
                kind=AdjustmentKind.ESCALATE,
                reason=VILLAGE_ESCALATION,
                escalated=True,
            )
        else:
            spread(city, at[Grade.D, village.path], city.cadres_at[village.path])
    _top_up_demo_cadre(city)


def _escalated_to_city(city: CityRows, at: dict) -> list[int]:
    """Tongren raised 7 B entities of districts without A entities to city cadres."""

    def county_of(i: int) -> Division:
        return city.entities[i].division.parent.parent

    wanted = scaled(ESCALATED_TO_CITY, city.scale, 1)
    with_a = {county_of(i).path for i in at[Grade.A, city.city.path]}
    b_all = [i for c in city.counties for i in at[Grade.B, c.path]]
    others = [i for i in b_all if county_of(i) is not city.demo_county]
    no_a = [i for i in others if county_of(i).path not in with_a]
    pool = no_a if len(no_a) >= wanted else (others or b_all)
    return sorted(city.rng.sample(pool, min(wanted, len(pool))))


def _top_up_demo_cadre(city: CityRows) -> None:
    """Small seeds give the demo district few B entities: escalate C, then D, to its cadre."""
    demo = city.demo_cadre
    held = sum(1 for spans in city.spans if spans and spans[-1].cadre is demo)
    for grade in (Grade.C, Grade.D):
        for i, e in enumerate(city.entities):
            if held >= DEMO_CADRE_HOLDINGS:
                return
            if e.grade == grade and e.zone is None and e.division.parent.parent is city.demo_county:
                hold(
                    city,
                    i,
                    demo,
                    kind=AdjustmentKind.ESCALATE,
                    reason=COUNTY_ESCALATION,
                    escalated=True,
                )
                held += 1


def _zones(city: CityRows) -> None:
    """A few clusters held whole by a township cadre; the first is in the demo township."""
    rng = city.rng
    others = [t for t in city.townships if t is not city.demo_township]
    count = scaled(ZONES, city.scale, 1)
    townships = [city.demo_township, *rng.sample(others, min(count - 1, len(others)))]
    in_township = defaultdict(list)
    for i, e in enumerate(city.entities):
        if e.grade in (Grade.C, Grade.D):
            in_township[e.division.parent.path].append(i)
    for n, township in enumerate(townships):
        kind = ZONE_KIND_ORDER[n % len(ZONE_KIND_ORDER)]
        root, county = township.name[:2], names.short(township.parent.name)
        name = {
            ZoneKind.RESTAURANT_STREET: f"{root}美食街",
            ZoneKind.WHOLESALE_MARKET: f"{county}{root}农产品批发市场",
            ZoneKind.INDUSTRIAL_PARK: f"{county}{root}食品工业园",
        }[kind]
        seat = city.children[township.path][0]
        members = [
            i
            for i in in_township[township.path]
            if city.entities[i].business_type in ZONE_TYPES[kind]
        ]
        # The cluster lies around the township seat: its businesses come first.
        members.sort(key=lambda i: (city.entities[i].division is not seat, i))
        members = members[: scaled(rng.randint(15, 35), city.scale, 3)]
        if not members:
            continue
        zone = Zone(
            name=name,
            kind=kind,
            division=township,
            description=f"{township.name}{ZONE_LABELS[kind]}，实行分片包保、网格化管理",
        )
        start = day(rng, D(2026, 1, 5), D(2026, 1, 16))
        holding = ZoneAssignment(
            zone=zone, cadre=rng.choice(city.cadres_at[township.path]), start_date=start
        )
        city.zones.append(zone)
        city.zone_assignments.append(holding)
        reason = f"分片包保：{name}由乡镇干部结合网格化管理统一包保"
        for i in members:
            entity = city.entities[i]
            entity.zone = zone
            hold(
                city,
                i,
                holding.cadre,
                start=start,
                kind=AdjustmentKind.ZONE_ASSIGN,
                reason=reason,
                # As zone_assign() does: a township cadre holding a D entity is above its level.
                escalated=GRADE_LEVEL[Grade(entity.grade)] > Level.TOWNSHIP,
                via_zone=holding,
            )
