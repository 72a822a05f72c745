"""The records' monthly summary (``RecordMonth``): kept by ``record_submit`` as it writes, and
derived again from the records by ``record_months_rebuild`` (after a bulk load, or to check)."""

import datetime

from django.db import connection, transaction
from django.db.models import F

from enterprises.models import Record, RecordMonth
from enterprises.rollup import rate_rollup_rebuild, rollup_day_add, rollup_days_shift

# One statement for both: the bits of the originals, merged into the month's row.
_MERGE = """
    INSERT INTO enterprises_recordmonth (entity_id, kind, month, days)
    {source}
    ON CONFLICT (entity_id, kind, month) DO UPDATE
        SET days = enterprises_recordmonth.days | EXCLUDED.days
"""
_FROM_RECORDS = """
    SELECT entity_id, kind, date_trunc('month', period_start)::date,
           bit_or(1 << (extract(day FROM period_start)::int - 1))
    FROM enterprises_record
    WHERE corrects_id IS NULL {where}
    GROUP BY 1, 2, 3
"""


def day_bit(day: datetime.date) -> int:
    return 1 << (day.day - 1)


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _month_add_portable(*, entity_id: int, kind: str, day: datetime.date) -> bool:
    """``record_month_add`` where the merge's SQL is not spoken (SQLite, the demo's): the
    business's row is locked by the caller, so read, test and set."""
    row, _created = RecordMonth.objects.get_or_create(
        entity_id=entity_id, kind=kind, month=day.replace(day=1), defaults={"days": 0}
    )
    if row.days & day_bit(day):
        return False
    RecordMonth.objects.filter(pk=row.pk).update(days=F("days").bitor(day_bit(day)))
    return True


def _months_derived_portable(entity_ids) -> int:
    """The summary derived from the original records in Python (SQLite, the demo's)."""
    originals = Record.objects.filter(corrects__isnull=True)
    if entity_ids is not None:
        originals = originals.filter(entity_id__in=entity_ids)
    months = {}
    for entity_id, kind, day in originals.values_list("entity_id", "kind", "period_start"):
        key = (entity_id, kind, day.replace(day=1))
        months[key] = months.get(key, 0) | day_bit(day)
    RecordMonth.objects.bulk_create(
        RecordMonth(entity_id=e, kind=k, month=m, days=d) for (e, k, m), d in months.items()
    )
    return len(months)


def record_month_add(*, entity_id: int, kind: str, day: datetime.date, state=None) -> bool:
    """Mark ``day``'s period of ``kind`` kept; called inside the record's transaction, the
    business locked. When the day is new to the summary the rates' rollup counts it too, by the
    business's ``state`` (``entities.changes.entity_state`` of the locked row). Answers whether
    the day was new."""
    if not _on_postgresql():
        return _month_add_portable(entity_id=entity_id, kind=kind, day=day)
    with connection.cursor() as cursor:
        cursor.execute(
            _MERGE.format(source="VALUES (%s, %s, %s, %s)")
            + " WHERE enterprises_recordmonth.days & EXCLUDED.days = 0 RETURNING 1",
            [entity_id, kind, day.replace(day=1), day_bit(day)],
        )
        added = cursor.fetchone() is not None
    if added and state is not None:
        rollup_day_add(state=state, kind=kind, day=day)
    return added


@transaction.atomic
def record_months_rebuild(*, entity_ids=None) -> int:
    """Derive the summary again from the original records (of ``entity_ids``, or all), and
    the rates' rollup with it; answers the number of summary rows written."""
    months = RecordMonth.objects.all()
    where, params = "", []
    if entity_ids is not None:
        ids = list(entity_ids)
        months = months.filter(entity_id__in=ids)
        where, params = "AND entity_id = ANY(%s)", [ids]
        rollup_days_shift(entity_ids=ids, sign=-1)  # the rollup follows the rebuilt rows
    months.delete()  # a derived table, not a ledger: derived again whole
    if not _on_postgresql():
        rows = _months_derived_portable(None if entity_ids is None else ids)
    else:
        with connection.cursor() as cursor:
            cursor.execute(_MERGE.format(source=_FROM_RECORDS.format(where=where)), params)
            rows = cursor.rowcount
    if entity_ids is None:
        rate_rollup_rebuild()
    else:
        rollup_days_shift(entity_ids=ids, sign=1)
    return rows
