"""企业主体责任落实台账: every record a business kept (日管控 / 周排查 / 月调度), one row each,
with who submitted it and when, what it found, and which record a correction replaces."""

import datetime
from collections.abc import Iterator

from enterprises.models import Record, RecordKind
from entities.models import BusinessType
from ledgers.selectors.common import (
    DivisionNames,
    Period,
    choice_labels,
    person_name,
    read_all,
    within_scope,
)


def self_record_ledger_queryset(*, user, division, period: Period | None = None):
    qs = within_scope(Record.objects, user, division, "entity__division")
    return qs.filter(period.date_q("period_start")) if period else qs


def _summary(kind: str, content: dict) -> str:
    if kind == RecordKind.DAILY:
        problems = [f"{i['text']}：{i['note']}" for i in content.get("items", []) if not i["ok"]]
        return "；".join(problems)[:500]
    keys = ("found", "focus") if kind == RecordKind.WEEKLY else ("situation", "decisions")
    return "；".join(str(content.get(k, "")) for k in keys if content.get(k))[:500]


def self_record_ledger_rows(
    *, user, division, today: datetime.date, period=None
) -> Iterator[tuple]:
    names = DivisionNames(division)
    kinds, types = choice_labels(RecordKind.choices), choice_labels(BusinessType.choices)
    qs = (
        self_record_ledger_queryset(user=user, division=division, period=period)
        .values_list(
            "period_start",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "entity__business_type",
            "kind",
            "submitted_at",
            "submitted_by__last_name",
            "submitted_by__first_name",
            "submitted_by__username",
            "problems",
            "open_problems",
            "corrects__period_start",
            "corrects_id",
            "content",
        )
        .order_by("period_start", "pk")
    )
    for n, row in enumerate(read_all(qs), 1):
        (day, path, entity, uscc, grade, business_type, kind, at, last, first, username) = row[:11]
        problems, open_, corrected_day, corrects_id, content = row[11:]
        yield (
            n,
            day,
            *names.of(path),
            entity,
            uscc,
            grade,
            types.get(business_type, business_type),
            kinds.get(kind, kind),
            at,
            person_name(last, first, username),
            problems,
            open_,
            corrected_day if corrects_id else None,
            _summary(kind, content or {}),
        )
