"""问题与处理台账: the issues found and what became of them."""

import datetime
from collections.abc import Iterator

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from inspections.models import (
    ActorKind,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
)
from ledgers.selectors.common import (
    DivisionNames,
    Period,
    choice_labels,
    level_labels,
    person_name,
    read_all,
    within_scope,
    yes_no_labels,
)


def issue_ledger_queryset(*, user, division, period: Period | None = None):
    qs = within_scope(Issue.objects, user, division, "entity__division")
    return qs.filter(period.datetime_q("created_at")) if period else qs


def issue_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """问题与处理台账: every issue raised in the period, its deadline, status and days overdue."""
    names = DivisionNames(division)
    categories, severities = (
        choice_labels(IssueCategory.choices),
        choice_labels(IssueSeverity.choices),
    )
    actors, statuses = choice_labels(ActorKind.choices), choice_labels(IssueStatus.choices)
    levels, yes_no, tz = level_labels(), yes_no_labels(), timezone.get_current_timezone()
    last_note = (
        IssueEvent.objects.filter(issue=OuterRef("pk")).exclude(note="").order_by("-at", "-pk")
    )
    qs = (
        issue_ledger_queryset(user=user, division=division, period=period)
        .annotate(last_note=Subquery(last_note.values("note")[:1]))
        .values_list(
            "created_at",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "visit__visited_at",
            "visit__cadre__name",
            "visit__cadre__division__level",
            "category",
            "severity",
            "description",
            "actor_kind",
            "actor_name",
            "deadline",
            "status",
            "closed_at",
            "last_note",
            "raised_by__last_name",
            "raised_by__first_name",
            "raised_by__username",
        )
        .order_by("created_at", "pk")
    )
    for n, row in enumerate(read_all(qs), 1):
        (raised, path, entity, uscc, grade, visited, cadre, level) = row[:8]
        (category, severity, description, actor, actor_name, deadline, status, closed) = row[8:16]
        note, last, first, username = row[16:]
        overdue = status != IssueStatus.CLOSED and deadline < today
        days_to_close = (
            (closed.astimezone(tz).date() - raised.astimezone(tz).date()).days if closed else None
        )
        yield (
            n,
            raised,
            *names.of(path),
            entity,
            uscc,
            grade,
            visited,
            cadre,
            levels.get(level, ""),
            categories.get(category, category),
            severities.get(severity, severity),
            description,
            actors.get(actor, actor),
            actor_name,
            deadline,
            statuses.get(status, status),
            yes_no[overdue],
            (today - deadline).days if overdue else 0,
            closed,
            days_to_close,
            note or "",
            person_name(last, first, username),
        )
