"""The one write every running count makes: add deltas to a tally's rows, creating a row for a
new key (``INSERT … ON CONFLICT … DO UPDATE SET n = n + delta``, so concurrent changes add up);
PostgreSQL and SQLite both have it."""

from collections.abc import Mapping

from django.db import connection


def upsert_add(
    table: str, keys: tuple[str, ...], fields: tuple[str, ...], rows: Mapping[tuple, tuple]
) -> None:
    """Add each row's values ({key values: field deltas}) to ``table``'s counts, creating a row
    for a new key; the first key column is the division, whose path follows it."""
    q = connection.ops.quote_name
    conflict = ", ".join(q(k) for k in keys if k != "division_path")
    columns = ", ".join(q(c) for c in (*keys, *fields))
    marks = ", ".join(["%s"] * (len(keys) + len(fields)))
    updates = ", ".join(f"{q(f)} = {q(table)}.{q(f)} + excluded.{q(f)}" for f in fields)
    sql = (
        f"INSERT INTO {q(table)} ({columns}) VALUES ({marks}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for key, deltas in sorted(rows.items(), key=lambda item: tuple(map(str, item[0]))):
            if any(deltas):
                cursor.execute(sql, [*key, *deltas])
