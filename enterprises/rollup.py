"""The rates' rollup (issue 16 at province scale): per county (the county part of the
businesses' division paths), business type and grade, the active businesses (``RateTally``)
and, per kind and month, how many of them kept each day (``RateDays``). A city's or
province's rates then sum a few rows per county instead of a few per business; a county and
below read the per-business summary (``RecordMonth``), bounded by a county's size.

Kept in the transaction of every change: ``record_submit`` adds a kept day
(``rollup_day_add``, once per newly set ``RecordMonth`` bit) and the register's services tell
``rollup_entities_changed`` (installed as a listener of ``entities.changes``) when a business is
created, moves division, changes type or grade, or changes status: its count and every day it
kept move from its old key to its new one (only active businesses count). Each change is an
upsert of deltas, so concurrent changes add up.

The rollup is PostgreSQL's (its day counts are an array, added element by element): on another
database (SQLite, the demo's) nothing keeps it (``kept()`` is false) and every page reads the
per-business summary. ``rate_rollup_rebuild`` derives both tables
again from the businesses and ``RecordMonth`` (the command ``enterprises_rebuild_months`` runs it
after the summary); the tests compare the kept rollup with a rebuild after random changes.
"""

import datetime
from collections import Counter, defaultdict

from django.db import connection, transaction

from baobao.models import PATH_DIGITS, Level
from enterprises.models import RateDays, RateTally, RecordMonth
from entities.changes import STATE_FIELDS
from entities.models import Entity, EntityStatus

Key = tuple[str, str, str]  # the county's path, business type, grade
AREA_DIGITS = PATH_DIGITS[Level.COUNTY]

_TALLY = """
    INSERT INTO enterprises_ratetally (area_path, business_type, grade, n)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (area_path, business_type, grade)
    DO UPDATE SET n = enterprises_ratetally.n + EXCLUDED.n
"""
_DAYS = """
    INSERT INTO enterprises_ratedays (area_path, business_type, grade, kind, month, days)
    VALUES (%s, %s, %s, %s, %s, %s::int[])
    ON CONFLICT (area_path, business_type, grade, kind, month)
    DO UPDATE SET days = ARRAY(
        SELECT a + b FROM unnest(enterprises_ratedays.days, EXCLUDED.days)
        WITH ORDINALITY AS t(a, b, i) ORDER BY i
    )
"""


def kept() -> bool:
    """Is the rollup kept on this database?"""
    return connection.vendor == "postgresql"


def key_of(state) -> Key | None:
    """The rollup key of a business's ``entities.changes.entity_state``; None when it does not
    count (not active, or not yet registered)."""
    if state is None:
        return None
    _division_id, path, business_type, grade, status = state
    if status != EntityStatus.ACTIVE:
        return None
    return (path[:AREA_DIGITS], business_type, grade)


def _bits(days: int) -> list[int]:
    return [(days >> i) & 1 for i in range(31)]


def _write(tally: Counter, days: dict) -> None:
    if not kept():
        return
    with connection.cursor() as cursor:
        for key, d in sorted(tally.items()):
            if d:
                cursor.execute(_TALLY, [*key, d])
        for (key, kind, month), counts in sorted(days.items()):
            if any(counts):
                cursor.execute(_DAYS, [*key, kind, month, list(counts)])


def rollup_day_add(*, state, kind: str, day: datetime.date) -> None:
    """One more business of ``state`` kept ``day``'s period of ``kind`` (inside its record's
    transaction, after its ``RecordMonth`` bit was newly set)."""
    key = key_of(state)
    if key is None or not kept():
        return
    counts = [0] * 31
    counts[day.day - 1] = 1
    _write(Counter(), {(key, kind, day.replace(day=1)): counts})


def _days_moved(moved: dict) -> dict:
    """The day deltas of ``moved`` ({entity id: (old key or None, new key or None)}): each
    business's ``RecordMonth`` bits leave its old key for its new one. One query."""
    days = defaultdict(lambda: [0] * 31)
    if not moved:
        return days
    rows = RecordMonth.objects.filter(entity_id__in=list(moved)).values_list(
        "entity_id", "kind", "month", "days"
    )
    for pk, kind, month, bits in rows:
        old, new = moved[pk]
        for sign, key in ((-1, old), (1, new)):
            if key is not None:
                counts = days[(key, kind, month)]
                for i, bit in enumerate(_bits(bits)):
                    counts[i] += sign * bit
    return days


def rollup_days_shift(*, entity_ids, sign: int) -> None:
    """Take the kept days of ``entity_ids`` out of the rollup (``sign`` -1) or put them back
    (+1), by the businesses' current state: around a partial rebuild of their summary."""
    if not kept():
        return
    states = Entity.objects.filter(pk__in=list(entity_ids)).values_list("pk", *STATE_FIELDS)
    moved = {}
    for pk, *state in states:
        key = key_of(tuple(state))
        moved[pk] = (key, None) if sign < 0 else (None, key)
    _write(Counter(), _days_moved(moved))


def rollup_entities_changed(*, changes) -> None:
    """The register's listener: move each changed business's count and kept days from its old
    key to its new one. One query for the moved businesses' summary rows, one upsert per key."""
    if not kept():
        return
    tally, moved = Counter(), {}
    for pk, before, after in changes:
        old, new = key_of(before), key_of(after)
        if old == new:
            continue
        if old is not None:
            tally[old] -= 1
        if new is not None:
            tally[new] += 1
        if before is not None:  # a new business has kept nothing yet
            moved[pk] = (old, new)
    _write(tally, _days_moved(moved))


_REBUILD_TALLY = """
    INSERT INTO enterprises_ratetally (area_path, business_type, grade, n)
    SELECT substr(division_path, 1, %s), business_type, grade, count(*)
    FROM entities_entity WHERE status = %s
    GROUP BY 1, 2, 3
"""
_REBUILD_DAYS = """
    INSERT INTO enterprises_ratedays (area_path, business_type, grade, kind, month, days)
    SELECT substr(e.division_path, 1, %s), e.business_type, e.grade, m.kind, m.month,
           ARRAY[{sums}]
    FROM enterprises_recordmonth m JOIN entities_entity e ON e.id = m.entity_id
    WHERE e.status = %s
    GROUP BY 1, 2, 3, 4, 5
"""


@transaction.atomic
def rate_rollup_rebuild() -> int:
    """Derive the rollup again from the businesses and ``RecordMonth`` (derived tables, not
    ledger data: replaced whole, locked while it runs); answers the number of day rows."""
    if not kept():
        return 0
    RateTally.objects.select_for_update().all().delete()
    RateDays.objects.select_for_update().all().delete()
    sums = ", ".join(f"sum((m.days >> {i}) & 1)::int" for i in range(31))
    with connection.cursor() as cursor:
        active = EntityStatus.ACTIVE.value
        cursor.execute(_REBUILD_TALLY, [AREA_DIGITS, active])
        cursor.execute(_REBUILD_DAYS.format(sums=sums), [AREA_DIGITS, active])
        return cursor.rowcount
