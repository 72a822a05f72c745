"""动态调整台账: every change of who holds what."""

import datetime
from collections.abc import Iterator

from cadres.models import (
    Adjustment,
    AdjustmentKind,
)
from ledgers.selectors.common import (
    DivisionNames,
    Period,
    choice_labels,
    level_labels,
    person_name,
    read_all,
    within_scope,
)


def adjustment_ledger_queryset(*, user, division, period: Period | None = None):
    qs = within_scope(Adjustment.objects, user, division, "entity__division")
    return qs.filter(period.date_q("effective_date")) if period else qs


def adjustment_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """包保干部动态调整台账: every change of who holds what, old → new holder, and why."""
    names = DivisionNames(division)
    kinds, levels = choice_labels(AdjustmentKind.choices), level_labels()
    qs = (
        adjustment_ledger_queryset(user=user, division=division, period=period)
        .values_list(
            "effective_date",
            "kind",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "from_cadre__name",
            "from_cadre__division__level",
            "from_cadre__post",
            "to_cadre__name",
            "to_cadre__division__level",
            "to_cadre__post",
            "zone__name",
            "old_grade",
            "new_grade",
            "reason",
            "created_by__last_name",
            "created_by__first_name",
            "created_by__username",
            "created_at",
        )
        .order_by("effective_date", "pk")
    )
    for n, row in enumerate(read_all(qs), 1):
        (day, kind, path, entity, uscc, grade) = row[:6]
        (old, old_level, old_post, new, new_level, new_post, zone, old_grade, new_grade) = row[6:15]
        reason, last, first, username, created = row[15:]
        yield (
            n,
            day,
            kinds.get(kind, kind),
            *names.of(path),
            entity,
            uscc,
            grade,
            old,
            levels.get(old_level, ""),
            old_post,
            new,
            levels.get(new_level, ""),
            new_post,
            zone,
            old_grade,
            new_grade,
            reason,
            person_name(last, first, username),
            created,
        )
