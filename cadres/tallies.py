"""Running counts of the holdings (issue 18): per division (a leaf of the tree) and grade, the open
businesses held now, held by a cadre who left, and held by a cadre in post below the level the
grade needs; kept by the holding services in their own transaction.

Each business held now has a mark (``HoldingMark``): what it last added to the tallies. A service
that changed the holdings of some businesses calls :func:`holdings_recount` with their ids: their
marks are read (before), their facts counted again (after), the differences added to the tallies
with one upsert per key (``INSERT … ON CONFLICT … DO UPDATE SET n = n + delta``, so concurrent
changes add up), and the marks replaced. The apps above (visits) follow through
:func:`holdings_listen`: they are told which businesses changed, in the same transaction.

Coverage, the dashboard and the report then sum a few thousand tally rows of an area instead of
joining a province's holdings. ``holding_tallies_rebuild`` recounts everything (the management
command ``counters_rebuild`` runs it); the tests compare the kept counts with a recount after
thousands of random changes.
"""

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Sum

from baobao.models import Division
from baobao.tallies import tally_rollups_rebuild, upsert_add
from cadres.loads import cadre_loads_recount
from cadres.models import Assignment, CadreStatus, HoldingMark, HoldingTally
from entities.models import GRADE_LEVEL, EntityStatus, EntityTally

KEYS = ("division_id", "division_path", "grade")
FIELDS = ("held", "left", "below")
OPEN = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)
# Listeners of the apps above: called with the ids of businesses whose holdings (or place) changed.
_listeners: list[Callable[..., None]] = []


def holdings_listen(listener: Callable[..., None]) -> None:
    """Call ``listener(entity_ids=…)`` after every recount of holdings; from an AppConfig.ready()."""
    if listener not in _listeners:
        _listeners.append(listener)


def _mark_of(holding: dict) -> HoldingMark:
    grade, level = holding["entity__grade"], holding["cadre__division__level"]
    in_post = holding["cadre__status"] == CadreStatus.ACTIVE
    return HoldingMark(
        entity_id=holding["entity_id"],
        cadre_id=holding["cadre_id"],
        division_id=holding["entity__division_id"],
        division_path=holding["entity__division_path"],
        grade=grade,
        open=holding["entity__status"] in OPEN,
        left=not in_post,
        below=in_post and level > GRADE_LEVEL[grade],
    )


def _marks_now(entity_ids: list[int] | None) -> list[HoldingMark]:
    """The marks the businesses' current holdings make (of every business when ``None``)."""
    holdings = Assignment.objects.filter(end_date__isnull=True)
    if entity_ids is not None:
        holdings = holdings.filter(entity_id__in=entity_ids)
    rows = holdings.values(
        "entity_id",
        "cadre_id",
        "entity__division_id",
        "entity__division_path",
        "entity__grade",
        "entity__status",
        "cadre__status",
        "cadre__division__level",
    ).order_by()
    return [_mark_of(row) for row in rows.iterator(chunk_size=5000)]


def _counted(mark: HoldingMark) -> tuple[tuple, tuple[int, int, int]] | None:
    if not mark.open:
        return None
    key = (mark.division_id, mark.division_path, mark.grade)
    return key, (1, int(mark.left), int(mark.below))


def _add(totals: dict, marks: Iterable[HoldingMark], sign: int) -> None:
    for mark in marks:
        counted = _counted(mark)
        if counted:
            key, values = counted
            row = totals.setdefault(key, [0, 0, 0])
            for i, v in enumerate(values):
                row[i] += sign * v


def holdings_recount(*, entity_ids: Iterable[int]) -> None:
    """Count again the holdings of these businesses after a change, inside the caller's
    transaction: the tallies get the differences, the marks the new facts, the listeners the ids."""
    ids = sorted(set(entity_ids))
    if not ids:
        return
    before = list(HoldingMark.objects.filter(entity_id__in=ids))
    after = _marks_now(ids)
    deltas: dict[tuple, list[int]] = {}
    _add(deltas, before, -1)
    _add(deltas, after, +1)
    upsert_add(
        HoldingTally._meta.db_table,
        KEYS,
        FIELDS,
        {key: tuple(values) for key, values in deltas.items()},
    )
    HoldingMark.objects.filter(entity_id__in=ids).delete()  # counts, not ledger data
    HoldingMark.objects.bulk_create(after)
    # The holders before and after carry one business more or less (cadres.loads).
    cadre_loads_recount(cadre_ids={m.cadre_id for m in (*before, *after)})
    for listener in _listeners:
        listener(entity_ids=ids)


def recount() -> dict[tuple[int, str], tuple[int, int, int]]:
    """Every (division, grade) count, from the holdings themselves."""
    totals: dict[tuple, list[int]] = {}
    _add(totals, _marks_now(None), +1)
    return {(k[0], k[2]): tuple(v) for k, v in totals.items() if any(v)}


def kept() -> dict[tuple[int, str], tuple[int, int, int]]:
    """The kept counts, without the zero rows."""
    rows = HoldingTally.objects.leaves().values_list("division_id", "grade", *FIELDS)
    return {(d, g): tuple(values) for d, g, *values in rows if any(values)}


def marks_recounted() -> Counter:
    """The differences between the kept marks and the holdings (empty when they agree)."""
    now = {m.entity_id: _counted(m) for m in _marks_now(None)}
    stored = {m.entity_id: _counted(m) for m in HoldingMark.objects.all()}
    return Counter({pk: 1 for pk in now.keys() | stored.keys() if now.get(pk) != stored.get(pk)})


@transaction.atomic
def holding_tallies_rebuild() -> int:
    """Recount every mark and tally from the holdings (locking the tallies); returns the number
    of tally rows."""
    HoldingTally.objects.select_for_update().all().delete()  # counts, not ledger data
    HoldingMark.objects.all().delete()
    marks = _marks_now(None)
    HoldingMark.objects.bulk_create(marks, batch_size=5000)
    paths = dict(Division.objects.values_list("pk", "path"))
    HoldingTally.objects.bulk_create(
        (
            HoldingTally(
                division_id=d, division_path=paths[d], grade=g, **dict(zip(FIELDS, v, strict=True))
            )
            for (d, g), v in recount().items()
        ),
        batch_size=5000,
    )
    tally_rollups_rebuild(HoldingTally._meta.db_table, KEYS, FIELDS)
    return HoldingTally.objects.leaves().count()


def holding_sums(path: str, grade: str = "") -> dict[str, int]:
    """{"held" | "left" | "below": open businesses} of an area (a division's path), by the tallies."""
    rows = HoldingTally.objects.area(path)
    if grade:
        rows = rows.filter(grade=grade)
    sums = rows.aggregate(**{f: Sum(f) for f in FIELDS})
    return {f: sums[f] or 0 for f in FIELDS}


def open_businesses(path: str, grade: str = "") -> int:
    """Open businesses of an area, from the register's tallies."""
    rows = EntityTally.objects.area(path).filter(status__in=OPEN)
    if grade:
        rows = rows.filter(grade=grade)
    return rows.aggregate(n=Sum("n"))["n"] or 0
