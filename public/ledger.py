"""群众诉求台账: the public's requests and what became of them, as the Excel ledgers' export
(``ledgers.exports.LEDGERS``) reads it: columns as (header, width, kind) and rows as tuples in
column order. No reporter's phone or address: the ledger travels upward."""

import datetime
from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from baobao.models import Division, Level
from public.models import PublicRequest, RequestCategory, RequestSource, RequestStatus

CHUNK = 2000


def request_ledger_columns() -> list[tuple[str, int, str]]:
    return [
        (_("No."), 7, "int"),
        (_("Receipt code"), 12, "text"),
        (_("Received at"), 17, "datetime"),
        (_("Source"), 10, "text"),
        (_("County/district"), 12, "text"),
        (_("Township/street"), 14, "text"),
        (_("Business name"), 30, "text"),
        (_("Category"), 16, "text"),
        (_("What is wrong"), 40, "text"),
        (_("Photos"), 6, "int"),
        (_("Status"), 14, "text"),
        (_("Assigned cadre"), 12, "text"),
        (_("Handling deadline"), 12, "date"),
        (_("Overdue"), 8, "text"),
        (_("Visit date"), 12, "date"),
        (_("Reply to the reporter"), 40, "text"),
        (_("Closed at"), 17, "datetime"),
        (_("Days to close"), 8, "int"),
    ]


def request_ledger_queryset(*, user, division: Division | None, period=None):
    qs = PublicRequest.objects.for_user(user)
    if division is not None:
        qs = qs.filter(division_path__startswith=division.path)
    return qs.filter(period.datetime_q("created_at")) if period else qs


def request_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """Every request received in the period, oldest first."""
    areas = Division.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
    if division is not None:
        areas = areas.filter(path__startswith=division.path[:6])
    names = dict(areas.values_list("path", "name"))
    categories, statuses = dict(RequestCategory.choices), dict(RequestStatus.choices)
    sources = dict(RequestSource.choices)
    yes, no = _("Yes"), _("No")
    tz = timezone.get_current_timezone()
    qs = (
        request_ledger_queryset(user=user, division=division, period=period)
        .annotate(photo_count=Count("photos"))
        .values_list(
            "code",
            "created_at",
            "source",
            "division_path",
            "entity__name",
            "category",
            "text",
            "photo_count",
            "status",
            "assigned_cadre__name",
            "deadline",
            "visit__visited_at",
            "reply",
            "closed_at",
        )
        .order_by("created_at", "pk")
    )
    for n, row in enumerate(qs.iterator(chunk_size=CHUNK), 1):
        code, created, source, path, entity, category, text, photos = row[:8]
        status, cadre, deadline, visited, reply, closed = row[8:]
        overdue = status == RequestStatus.ASSIGNED and deadline is not None and deadline < today
        days = (
            (closed.astimezone(tz).date() - created.astimezone(tz).date()).days if closed else None
        )
        reply_shown = reply if status in (RequestStatus.CLOSED, RequestStatus.REJECTED) else ""
        yield (
            n,
            code,
            created,
            str(sources.get(source, source)),
            names.get(path[:6], ""),
            names.get(path[:9], ""),
            entity or "",
            str(categories.get(category, category)),
            text,
            photos,
            str(statuses.get(status, status)),
            cadre or "",
            deadline,
            yes if overdue else no,
            visited.astimezone(tz).date() if visited else None,
            reply_shown,
            closed,
            days,
        )
