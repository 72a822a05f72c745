"""Running counts (issue 18): the tables whose rows the apps' services add to in the transaction
that changes the facts, so that a page sums a few rows instead of counting a province.

A tally row counts the facts of one leaf division (where the businesses, cadres, visits are) under
some keys (a grade, a quarter, a deadline…). Each change is also added to its county's roll-up
row (``rollup``: the same keys, summed over the county): a province or a city then sums a few
hundred county rows instead of a hundred thousand village rows, and a county (or anything below
it) sums its own leaf rows. ``area`` picks which. The county row is written by the same statement
kind as the leaf's (``INSERT … ON CONFLICT … DO UPDATE SET n = n + delta``, on PostgreSQL and
SQLite alike), so concurrent changes add up instead of overwriting each other; two changes in one
county wait for each other's commit on that row, as two changes in one village already did.

An app's tally model subclasses :class:`Tally` and declares its keys in its unique constraint
(with ``rollup``); its rebuild recounts the leaf rows and calls :func:`tally_rollups_rebuild`.
"""

from collections.abc import Mapping

from django.db import connection, migrations, models
from django.utils.translation import gettext_lazy as _

from baobao.models import PATH_DIGITS, Level

ROLLUP_DIGITS = PATH_DIGITS[Level.COUNTY]
DIVISION_TABLE = "baobao_division"


class TallyQuerySet(models.QuerySet):
    def area(self, path: str, *, digits: int | None = None) -> "TallyQuerySet":
        """The rows whose sum is the area under ``path`` (a division's path; "" for all), as one
        figure or grouped by path prefixes of ``digits``: the county roll-ups when nothing finer
        than a county is asked for, else the leaf rows."""
        finest = len(path) if digits is None else max(digits, len(path))
        return self.filter(rollup=finest <= ROLLUP_DIGITS, division_path__startswith=path)

    def leaves(self) -> "TallyQuerySet":
        """The leaf rows only (every fact once): for per-division figures and recounts."""
        return self.filter(rollup=False)


class Tally(models.Model):
    """A running count of one leaf division (``rollup`` false) or of a county's leaves summed
    (``rollup`` true; a division above the counties is its own roll-up)."""

    division = models.ForeignKey(
        "baobao.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    # The division's path, so an area's rows are a range of one index.
    division_path = models.CharField(_("area path"), max_length=64)
    rollup = models.BooleanField(_("county roll-up"), default=False)

    objects = TallyQuerySet.as_manager()

    class Meta:
        abstract = True
        indexes = [
            # An area's leaf rows, or its county roll-ups: both a range of one index.
            models.Index(
                fields=["rollup", "division_path"],
                name="%(class)s_area",
                opclasses=["bool_ops", "varchar_pattern_ops"],
            ),
        ]


def _counted_by(keys: tuple[str, ...]) -> list[str]:
    """The keys a tally counts by besides its division (whose id and path lead ``keys``)."""
    return [k for k in keys if k not in ("division_id", "division_path")]


def _rollups_delete(cursor, table: str) -> None:
    cursor.execute(f"DELETE FROM {table} WHERE rollup")  # counts, not ledger data


def rollup_path(path: str) -> str:
    """The path of the county a division's rows roll up into (its own above the counties)."""
    return path[:ROLLUP_DIGITS]


def upsert_add(
    table: str, keys: tuple[str, ...], fields: tuple[str, ...], rows: Mapping[tuple, tuple]
) -> None:
    """Add each row's values ({key values: field deltas}) to ``table``'s leaf counts and to their
    counties' roll-ups, creating a row for a new key. The first key column is the division, whose
    path follows it. Leaf rows are written first, then roll-ups, each in key order, so that two
    transactions take their row locks in the same order."""
    q = connection.ops.quote_name
    rest = _counted_by(keys)
    conflict = ", ".join(q(k) for k in ("division_id", *rest, "rollup"))
    updates = ", ".join(f"{q(f)} = {q(table)}.{q(f)} + excluded.{q(f)}" for f in fields)
    columns = ", ".join(q(c) for c in ("division_id", "division_path", *rest, *fields, "rollup"))
    values = ", ".join(["%s"] * (len(rest) + len(fields)))
    leaf = (
        f"INSERT INTO {q(table)} ({columns}) VALUES (%s, %s, {values}, FALSE) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    # The county's id from its path; WHERE keeps SQLite's INSERT … SELECT … ON CONFLICT unambiguous.
    county = (
        f"INSERT INTO {q(table)} ({columns}) SELECT d.id, d.path, {values}, TRUE "
        f"FROM {DIVISION_TABLE} d WHERE d.path = %s "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    changed = [(key, deltas) for key, deltas in rows.items() if any(deltas)]
    counties: dict[tuple, list] = {}
    for (_division, path, *others), deltas in changed:
        summed = counties.setdefault((rollup_path(path), *others), [0] * len(fields))
        for i, d in enumerate(deltas):
            summed[i] += d

    def order(item):
        return tuple(map(str, item[0]))

    with connection.cursor() as cursor:
        for key, deltas in sorted(changed, key=order):
            cursor.execute(leaf, [*key, *deltas])
        for (path, *others), deltas in sorted(counties.items(), key=order):
            if any(deltas):
                cursor.execute(county, [*others, *deltas, path])


def tally_rollups_rebuild(
    table: str, keys: tuple[str, ...], fields: tuple[str, ...], *, using=None
) -> None:
    """Replace ``table``'s county roll-ups by the sums of its leaf rows (after a recount of the
    leaves, in its transaction; the migration that added the roll-ups called it with its own
    connection, ``using``)."""
    db = using or connection
    q = db.ops.quote_name
    rest = [q(k) for k in _counted_by(keys)]
    sums = [f"SUM(t.{q(f)})" for f in fields]
    columns = ", ".join(["division_id", "division_path", *rest, *map(q, fields), "rollup"])
    grouped = ", ".join(["d.id", "d.path", *(f"t.{k}" for k in rest)])
    with db.cursor() as cursor:
        _rollups_delete(cursor, q(table))
        cursor.execute(
            f"INSERT INTO {q(table)} ({columns}) "
            f"SELECT {grouped}, {', '.join(sums)}, TRUE FROM {q(table)} t "
            f"JOIN {DIVISION_TABLE} d ON d.path = SUBSTR(t.division_path, 1, {ROLLUP_DIGITS}) "
            f"WHERE NOT t.rollup GROUP BY {grouped}"
        )


def tally_rollups_recounted(model: type[Tally], keys: tuple[str, ...], fields: tuple[str, ...]):
    """The roll-ups that differ from the sums of their leaves: {(county path, *keys): (kept,
    summed)}, zero rows left out (empty when they agree). For the tests and the rebuild check."""
    rest = _counted_by(keys)

    def rows(qs, county) -> dict[tuple, tuple]:
        totals: dict[tuple, list[int]] = {}
        for path, *values in qs.values_list("division_path", *rest, *fields):
            key = (county(path), *values[: len(rest)])
            row = totals.setdefault(key, [0] * len(fields))
            for i, v in enumerate(values[len(rest) :]):
                row[i] += v
        return {key: tuple(v) for key, v in totals.items() if any(v)}

    kept = rows(model.objects.filter(rollup=True), lambda path: path)
    summed = rows(model.objects.leaves(), rollup_path)
    return {
        key: (kept.get(key), summed.get(key))
        for key in kept.keys() | summed.keys()
        if kept.get(key) != summed.get(key)
    }


def tally_rollups_migration(tallies: list[tuple[str, tuple, tuple]]) -> migrations.RunPython:
    """The migration step that adds the roll-ups to existing tallies ((table, keys, fields)
    each): summed from their leaf rows; reversed, deleted (the old unique keys hold again)."""

    def fill(apps, schema_editor):
        for table, keys, fields in tallies:
            tally_rollups_rebuild(table, keys, fields, using=schema_editor.connection)

    def empty(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            for table, _keys, _fields in tallies:
                _rollups_delete(cursor, table)

    return migrations.RunPython(fill, empty)
