"""What happened during 2026, so the ledgers show variety: new businesses not yet assigned,
cadres who left (some holdings handed over, some not yet), regrades, closures and suspensions.

Each event touches an entity at most once and writes the rows its service would write.
"""

import datetime
from collections import defaultdict

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Cadre, CadreStatus
from demo.copy import new
from demo.rows import CityRows, Span
from demo.shape import (
    CLOSE_REASONS,
    CLOSED,
    GAP_SHARE,
    LEFT_CADRES,
    LEFT_REASONS,
    REGRADE_REASONS,
    REGRADE_TRANSFER_REASON,
    REGRADES,
    SUSPEND_REASONS,
    SUSPENDED,
    D,
    day,
    scaled,
)
from entities.models import EntityStatus, Grade, GradeChange


def build(city: CityRows) -> None:
    _gaps(city)
    _cadres_leave(city)
    _regrades(city)
    _closures_and_suspensions(city)


def _plain(city: CityRows, i: int) -> Span | None:
    """Entity i's holding if an event may still change it: its only one, direct, not escalated."""
    spans = city.spans[i]
    if i in city.touched or len(spans) != 1:
        return None
    span = spans[0]
    if span.via_zone or span.escalated or span.cadre is city.demo_cadre:
        return None
    return span


def _small(city: CityRows) -> list[int]:
    return [
        i for i, e in enumerate(city.entities) if e.grade in (Grade.C, Grade.D) and _plain(city, i)
    ]


def _move(city: CityRows, i: int, to: Cadre, on: datetime.date, reason: str) -> None:
    old = city.spans[i][-1]
    old.end = on
    city.spans[i].append(
        Span(cadre=to, start=on, kind=AdjustmentKind.TRANSFER, reason=reason, from_cadre=old.cadre)
    )


def _gaps(city: CityRows) -> None:
    """Businesses registered in October and not yet assigned: the gaps the office must see."""
    rng = city.rng
    candidates = _small(city)
    count = scaled(GAP_SHARE * len(city.entities), 1, 1)
    for i in sorted(rng.sample(candidates, min(count, len(candidates)))):
        city.spans[i] = []
        city.touched.add(i)
        city.first_grade[i] = (city.entities[i].grade, day(rng, D(2026, 10, 9), D(2026, 10, 30)))


def _cadres_leave(city: CityRows) -> None:
    """Cadres who left; every other one's holdings passed to a colleague, the rest still wait."""
    rng = city.rng
    held_by = defaultdict(list)
    for i, spans in enumerate(city.spans):
        if spans:
            held_by[id(spans[-1].cadre)].append(i)
    candidates = [
        c
        for c in city.cadres
        if c.division.level in (Level.TOWNSHIP, Level.VILLAGE)
        and held_by[id(c)]
        and all(_plain(city, i) for i in held_by[id(c)])
        and len(city.cadres_at[c.division.path]) > 1
    ]
    leaving = rng.sample(candidates, min(scaled(LEFT_CADRES, city.scale, 2), len(candidates)))
    leaving_ids = {id(c) for c in leaving}
    for n, cadre in enumerate(leaving):
        cadre.status = CadreStatus.LEFT
        cadre.left_on = day(rng, D(2026, 3, 2), D(2026, 9, 30))
        cadre.left_reason = rng.choice(LEFT_REASONS)
        city.left.append(cadre)
        colleagues = [c for c in city.cadres_at[cadre.division.path] if id(c) not in leaving_ids]
        successor = rng.choice(colleagues) if n % 2 and colleagues else None
        for i in held_by[id(cadre)]:
            city.touched.add(i)
            city.events.append(
                new(
                    Adjustment,
                    kind=AdjustmentKind.CADRE_LEFT,
                    entity=city.entities[i],
                    from_cadre=cadre,
                    reason=cadre.left_reason,
                    effective_date=cadre.left_on,
                )
            )
            if successor:
                _move(city, i, successor, cadre.left_on, cadre.left_reason)


def _regrades(city: CityRows) -> None:
    """Businesses regraded this year, then passed within a week to a cadre of the new level."""
    rng = city.rng
    count = scaled(REGRADES, city.scale, 1)
    candidates = [i for i, e in enumerate(city.entities) if e.grade != Grade.A and _plain(city, i)]
    for i in sorted(rng.sample(candidates, min(count * 3, len(candidates)))):
        if count == 0:
            return
        entity = city.entities[i]
        old_grade = {Grade.B: Grade.C, Grade.C: Grade.D, Grade.D: Grade.C}[entity.grade]
        old_division = entity.division if old_grade == Grade.D else entity.division.parent
        first_holders = [
            c for c in city.cadres_at[old_division.path] if c.status == CadreStatus.ACTIVE
        ]
        if not first_holders:
            continue
        count -= 1
        city.touched.add(i)
        span = city.spans[i][0]
        current, span.cadre = span.cadre, rng.choice(first_holders)
        regraded_on = day(rng, D(2026, 4, 1), D(2026, 8, 31))
        moved_on = regraded_on + datetime.timedelta(days=rng.randint(1, 7))
        _move(city, i, current, moved_on, REGRADE_TRANSFER_REASON)
        reason = REGRADE_REASONS[old_grade, entity.grade]
        city.first_grade[i] = (old_grade, city.first_grade[i][1])
        city.regrades.append(
            new(
                GradeChange,
                entity=entity,
                old_grade=old_grade,
                new_grade=entity.grade,
                reason=reason,
                effective_date=regraded_on,
            )
        )
        city.events.append(
            new(
                Adjustment,
                kind=AdjustmentKind.REGRADE,
                entity=entity,
                from_cadre=span.cadre,
                to_cadre=span.cadre,
                old_grade=old_grade,
                new_grade=entity.grade,
                reason=reason,
                effective_date=regraded_on,
            )
        )


def _closures_and_suspensions(city: CityRows) -> None:
    """Closing ends the holding (no current holder); suspending keeps it."""
    rng = city.rng
    closed, suspended = scaled(CLOSED, city.scale, 1), scaled(SUSPENDED, city.scale, 1)
    candidates = _small(city)
    for n, i in enumerate(rng.sample(candidates, min(closed + suspended, len(candidates)))):
        entity, span = city.entities[i], city.spans[i][0]
        city.touched.add(i)
        if n < closed:
            entity.status = EntityStatus.CLOSED
            on = span.end = day(rng, D(2026, 3, 1), D(2026, 10, 31))
            kind, to, reason = AdjustmentKind.ENTITY_CLOSED, None, rng.choice(CLOSE_REASONS)
        else:
            entity.status = EntityStatus.SUSPENDED
            on = day(rng, D(2026, 5, 1), D(2026, 10, 31))
            kind, to, reason = AdjustmentKind.ENTITY_STATUS, span.cadre, rng.choice(SUSPEND_REASONS)
        city.events.append(
            new(
                Adjustment,
                kind=kind,
                entity=entity,
                from_cadre=span.cadre,
                to_cadre=to,
                reason=reason,
                effective_date=on,
            )
        )
