"""Running counts of the cadres' loads (issue 18): for the balance page (防止畸轻畸重), how many
cadres in post at each division carry each load (the businesses they hold now, whatever the
business's status); kept by the services in their own transaction.

Each cadre has a mark (``CadreLoad``): their division, level, whether they are in post and their
load, as last counted. A service that changed a cadre (created, moved, left) or their holdings
calls :func:`cadre_loads_recount` with the cadres' ids (``holdings_recount`` does it for the
holders before and after of the businesses it recounts): their marks are locked and read
(before), their loads counted again from the holdings (after), the differences added to the
histogram (``LoadTally``) with one upsert per key, and the marks updated in place (so a
concurrent recount of the same cadre waits on the lock and then reads the new mark).

The page then sums a few thousand histogram rows of an area instead of counting every cadre's
holdings; its overloaded and idle lists read the marks. ``cadre_loads_rebuild`` recounts
everything (``counters_rebuild`` runs it); the tests compare the kept counts with a recount after
thousands of random changes.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from baobao.tallies import tally_rollups_rebuild, upsert_add
from cadres.models import Assignment, Cadre, CadreLoad, CadreStatus, LoadTally

KEYS = ("division_id", "division_path", "level", "load")
FACTS = ("division_id", "division_path", "level", "in_post", "load")


def _loads_now(cadre_ids: list[int] | None) -> list[CadreLoad]:
    """The marks the cadres make now (every cadre's when ``None``): two queries, no join."""
    cadres = Cadre.objects.order_by()
    holdings = Assignment.objects.filter(end_date__isnull=True).order_by()
    if cadre_ids is not None:
        cadres = cadres.filter(pk__in=cadre_ids)
        holdings = holdings.filter(cadre_id__in=cadre_ids)
    held = dict(holdings.values("cadre_id").annotate(n=Count("*")).values_list("cadre_id", "n"))
    rows = cadres.values_list("pk", "division_id", "division__path", "division__level", "status")
    return [
        CadreLoad(
            cadre_id=pk,
            division_id=division_id,
            division_path=path,
            level=level,
            in_post=status == CadreStatus.ACTIVE,
            load=held.get(pk, 0),
        )
        for pk, division_id, path, level, status in rows.iterator(chunk_size=5000)
    ]


def _fact(mark: CadreLoad) -> tuple:
    return tuple(getattr(mark, f) for f in FACTS)


def _key(mark: CadreLoad) -> tuple | None:
    """Where a mark is counted in the histogram: cadres in post only."""
    if not mark.in_post:
        return None
    return (mark.division_id, mark.division_path, mark.level, mark.load)


def _histogram(marks: Iterable[CadreLoad]) -> Counter:
    return Counter(key for key in map(_key, marks) if key)


def cadre_loads_recount(*, cadre_ids: Iterable[int]) -> None:
    """Count again the loads of these cadres after a change, inside the caller's transaction."""
    ids = sorted(set(cadre_ids))
    if not ids:
        return
    before = {
        m.cadre_id: m
        for m in CadreLoad.objects.select_for_update().filter(cadre_id__in=ids).order_by("pk")
    }
    after = _loads_now(ids)
    deltas = _histogram(after)
    deltas.subtract(_histogram(before.values()))
    upsert_add(
        LoadTally._meta.db_table, KEYS, ("cadres",), {k: (n,) for k, n in deltas.items() if n}
    )
    changed = [m for m in after if m.cadre_id in before and _fact(m) != _fact(before[m.cadre_id])]
    CadreLoad.objects.bulk_update(changed, FACTS)
    CadreLoad.objects.bulk_create([m for m in after if m.cadre_id not in before])


def recount() -> dict[tuple[int, int, int], int]:
    """Every (division, level, load) count of cadres in post, from the cadres and holdings."""
    return {(k[0], k[2], k[3]): n for k, n in _histogram(_loads_now(None)).items()}


def kept() -> dict[tuple[int, int, int], int]:
    """The kept histogram, without the zero rows."""
    rows = LoadTally.objects.leaves().values_list("division_id", "level", "load", "cadres")
    return {(d, level, load): n for d, level, load, n in rows if n}


def marks_recounted() -> dict[int, tuple]:
    """The cadres whose kept mark differs from a recount (empty when they agree)."""
    now = {m.cadre_id: _fact(m) for m in _loads_now(None)}
    stored = {m.cadre_id: _fact(m) for m in CadreLoad.objects.all()}
    return {
        pk: (stored.get(pk), now.get(pk))
        for pk in now.keys() | stored.keys()
        if now.get(pk) != stored.get(pk)
    }


@transaction.atomic
def cadre_loads_rebuild() -> int:
    """Recount every mark and the histogram from the cadres and holdings (locking the histogram);
    returns the number of histogram rows."""
    LoadTally.objects.select_for_update().all().delete()  # counts, not ledger data
    CadreLoad.objects.all().delete()
    marks = _loads_now(None)
    CadreLoad.objects.bulk_create(marks, batch_size=5000)
    LoadTally.objects.bulk_create(
        (
            LoadTally(division_id=d, division_path=path, level=level, load=load, cadres=n)
            for (d, path, level, load), n in _histogram(marks).items()
        ),
        batch_size=5000,
    )
    tally_rollups_rebuild(LoadTally._meta.db_table, KEYS, ("cadres",))
    return LoadTally.objects.leaves().count()


def loads_missing() -> bool:
    """Cadres but not one mark: a database migrated from before the load tallies."""
    return Cadre.objects.exists() and not CadreLoad.objects.exists()
