"""Reads of the business side: a business user's own businesses and records, the weekly
report's pre-fill, and the cadre's evidence of a business's self-management."""

import datetime

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enterprises.models import DailyCheckItem, Membership, Record, RecordKind
from enterprises.policy import PolicyTable, due_periods, week_start
from entities.models import Entity
from inspections.models import ActorKind, Issue, IssueStatus, Visit


def business_entities(*, user) -> QuerySet[Entity]:
    """The businesses a business user works for (none for anyone else)."""
    if not (user.is_authenticated and user.is_active and user.is_business):
        return Entity.objects.none()
    own = Membership.objects.filter(user=user, is_active=True).values("entity_id")
    return Entity.objects.filter(pk__in=own).select_related("division").order_by("name")


def access_business_entity(user, pk) -> Entity:
    """One of the user's own businesses; 404 for any other."""
    return get_object_or_404(business_entities(user=user), pk=pk)


def access_record(user, pk) -> Record:
    return get_object_or_404(
        Record.objects.for_user(user).select_related("entity", "submitted_by", "corrects"), pk=pk
    )


def business_issues(*, entity: Entity) -> QuerySet[Issue]:
    """The issues the business must fix, not yet closed: its phone page's rectification list.
    Read for a business already authorised (``access_business_entity``)."""
    return (
        Issue.objects.filter(entity=entity, actor_kind=ActorKind.BUSINESS)
        .exclude(status=IssueStatus.CLOSED)
        .order_by("deadline", "id")
    )


def access_business_issue(user, pk) -> Issue:
    """An issue on one of the user's businesses, for the business to fix; 404 otherwise."""
    entities = business_entities(user=user).values("pk")
    return get_object_or_404(
        Issue.objects.filter(entity_id__in=entities, actor_kind=ActorKind.BUSINESS)
        .select_related("entity")
        .prefetch_related("events"),
        pk=pk,
    )


def daily_items(*, entity: Entity) -> list[str]:
    items = DailyCheckItem.objects.filter(is_active=True).select_related("division")
    return [i.text for i in items if i.applies_to(entity)]


def recent_records(*, entity: Entity, limit: int = 10) -> list[Record]:
    return list(
        Record.objects.filter(entity=entity).select_related("submitted_by").order_by("-id")[:limit]
    )


def weekly_prefill(*, entity: Entity, day: datetime.date) -> dict:
    """The weekly report's starting point: the week's daily checks (Monday to Sunday of ``day``'s
    week): how many, the problems found, fixed on the spot and still open, each problem named."""
    start = week_start(day)
    dailies = list(
        Record.objects.filter(
            entity=entity,
            kind=RecordKind.DAILY,
            period_start__range=(start, start + datetime.timedelta(days=6)),
        ).order_by("period_start", "id")
    )
    latest: dict[datetime.date, Record] = {}
    for record in dailies:  # a correction replaces the original of its day
        latest[record.period_start] = record
    lines, problems, open_ = [], 0, 0
    for day_, record in sorted(latest.items()):
        for item in record.content.get("items", []):
            if not item["ok"]:
                state = "✓" if item.get("fixed") else "…"
                lines.append(f"{day_:%m-%d} {item['text']}：{item['note']} {state}")
        problems += record.problems
        open_ += record.open_problems
    return {
        "week_start": start,
        "days": len(latest),
        "problems": problems,
        "open_problems": open_,
        "found": "\n".join(lines),
    }


def self_check_evidence(*, entity: Entity, since: datetime.date, today: datetime.date) -> dict:
    """What the business recorded since ``since`` (the last visit, or 90 days back) up to
    ``today``: records kept against those due under the office's policy, the last record's day,
    and the self-found problems still open. Two queries (the records' aggregate, the policy)."""
    counts = Record.objects.filter(entity=entity, period_start__gte=since).aggregate(
        daily=Count("period_start", distinct=True, filter=Q(kind=RecordKind.DAILY)),
        weekly=Count("period_start", distinct=True, filter=Q(kind=RecordKind.WEEKLY)),
        monthly=Count("period_start", distinct=True, filter=Q(kind=RecordKind.MONTHLY)),
        last=Max("submitted_at"),
        open_daily=Sum(
            "open_problems",
            filter=Q(kind=RecordKind.DAILY, period_start__gte=week_start(today)),
        ),
    )
    required = PolicyTable().kinds(entity.business_type, entity.grade, entity.division_path)
    rows, short = [], False
    for kind in RecordKind:
        due = len(due_periods(kind, since, today)) if kind in required else 0
        done = counts[kind.value] or 0
        rows.append({"kind": kind, "label": kind.label, "done": done, "due": due})
        short = short or done < due
    return {
        "since": since,
        "rows": rows,
        "required": bool(required),
        "last": counts["last"],
        "open_problems": counts["open_daily"] or 0,
        "short": short,
    }


def evidence_since(*, entity: Entity, today: datetime.date) -> datetime.date:
    """The day after the business's last visit, or 90 days back when it has none."""
    last = (
        Visit.objects.filter(entity=entity)
        .order_by("-visited_at")
        .values_list("visited_at", flat=True)
        .first()
    )
    if last is None:
        return today - datetime.timedelta(days=90)
    return timezone.localtime(last).date() + datetime.timedelta(days=1)
