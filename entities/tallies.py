"""Running counts of the register (issue 18): how many businesses each division has, by grade and
status, kept by the services that change them, in the same transaction.

A province's dashboard then sums a few thousand tally rows instead of counting a million
businesses. Each change adds its deltas with one upsert per (division, grade, status)
(``INSERT … ON CONFLICT … DO UPDATE SET n = n + delta``, on PostgreSQL and SQLite alike), so
concurrent changes of the same division add up instead of overwriting each other.
``entity_tallies_rebuild`` recounts from the register (the management command
``entity_tallies_rebuild`` runs it); the tests compare the kept counts with a recount after
thousands of random changes.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Sum

from baobao.models import Division
from baobao.tallies import tally_rollups_rebuild, upsert_add
from entities.models import Entity, EntityTally

Key = tuple[int, str, str, str]  # division id, division path, grade, status


def key_of(entity) -> Key:
    return (entity.division_id, entity.division_path, entity.grade, entity.status)


KEYS = ("division_id", "division_path", "grade", "status")


def tallies_add(deltas: Counter) -> None:
    """Add ``deltas`` ({Key: change}) to the tallies and their county roll-ups: one upsert per
    key that changes (``baobao.tallies``)."""
    upsert_add(EntityTally._meta.db_table, KEYS, ("n",), {key: (d,) for key, d in deltas.items()})


def tally_moves(before: Iterable[Key], after: Iterable[Key]) -> Counter:
    """The deltas of businesses leaving the ``before`` keys for the ``after`` keys."""
    deltas = Counter()
    for key in before:
        deltas[key] -= 1
    for key in after:
        deltas[key] += 1
    return deltas


def recount() -> dict[tuple[int, str, str], int]:
    """Every (division, grade, status) count, from the register itself."""
    rows = (
        Entity.objects.order_by()
        .values_list("division_id", "grade", "status")
        .annotate(n=Count("pk"))
    )
    return {(d, g, s): n for d, g, s, n in rows}


def kept() -> dict[tuple[int, str, str], int]:
    """The kept counts, without the zero rows."""
    rows = (
        EntityTally.objects.leaves().exclude(n=0).values_list("division_id", "grade", "status", "n")
    )
    return {(d, g, s): n for d, g, s, n in rows}


@transaction.atomic
def entity_tallies_rebuild() -> int:
    """Recount every tally from the register (locks the tallies while it runs); returns the
    number of tally rows."""
    EntityTally.objects.select_for_update().all().delete()  # counts, not ledger data
    paths = dict(Division.objects.values_list("pk", "path"))
    EntityTally.objects.bulk_create(
        EntityTally(division_id=d, division_path=paths[d], grade=g, status=s, n=n)
        for (d, g, s), n in recount().items()
    )
    tally_rollups_rebuild(EntityTally._meta.db_table, KEYS, ("n",))
    return EntityTally.objects.leaves().count()


def area_counts(path: str) -> dict[tuple[str, str], int]:
    """{(grade, status): businesses} of an area (a division's path), from the tallies."""
    rows = (
        EntityTally.objects.area(path)
        .values_list("grade", "status")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {(g, s): n for g, s, n in rows if n}
