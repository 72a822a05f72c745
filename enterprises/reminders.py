"""Reminders of the business side, run each morning: to the business's people when a record is
missing (no daily check for 3 working days; last week's report on the week's first working day;
last month's minutes after the 5th), and a weekly digest to the holding cadre. Each message's
key names the gap (the last daily record's day, the week, the month), so a rerun, or the next
morning of the same gap, writes nothing twice. Only what the office's policy asks is reminded."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from baobao.models import NotificationKind
from baobao.notifications import (
    NotificationRow,
    notification_key,
    notifications_send,
)
from cadres.models import Assignment
from enterprises.models import Membership, RecordKind
from enterprises.policy import PolicyTable, month_start, week_start
from entities.models import Entity, EntityStatus
from inspections.reminders.common import cadre_logins
from inspections.reminders.days import WorkingCalendar

DAILY_GAP = 3  # working days without a daily check before the business is reminded
MONTHLY_AFTER_DAY = 5


def _previous_working_days(today, n, calendar) -> list[datetime.date]:
    days, day = [], today
    while len(days) < n:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return sorted(days)


def _first_working_day_of_week(today, calendar) -> bool:
    day = week_start(today)
    while day < today:
        if calendar.is_working_day(day):
            return False
        day += datetime.timedelta(days=1)
    return True


def _missing(today: datetime.date, calendar: WorkingCalendar) -> dict[int, list[tuple]]:
    """Per business with active accounts: the (kind, period key, text) of what is missing."""
    policy = PolicyTable()
    entities = Entity.objects.filter(status=EntityStatus.ACTIVE, members__is_active=True).distinct()
    last_week = week_start(today) - datetime.timedelta(days=7)
    last_month = month_start(month_start(today) - datetime.timedelta(days=1))
    rows = entities.annotate(
        last_daily=Max("self_records__period_start", filter=Q(self_records__kind=RecordKind.DAILY)),
        weekly=Max(
            "self_records__period_start",
            filter=Q(self_records__kind=RecordKind.WEEKLY, self_records__period_start=last_week),
        ),
        monthly=Max(
            "self_records__period_start",
            filter=Q(self_records__kind=RecordKind.MONTHLY, self_records__period_start=last_month),
        ),
    ).values(
        "pk", "name", "business_type", "grade", "division_path", "last_daily", "weekly", "monthly"
    )
    gap_start = _previous_working_days(today, DAILY_GAP, calendar)[0]
    monday = _first_working_day_of_week(today, calendar)
    missing: dict[int, list[tuple]] = {}
    for row in rows:
        kinds = policy.kinds(row["business_type"], row["grade"], row["division_path"])
        found = []
        if RecordKind.DAILY in kinds and (
            row["last_daily"] is None or row["last_daily"] < gap_start
        ):
            found.append((RecordKind.DAILY, str(row["last_daily"] or "none"), row))
        if RecordKind.WEEKLY in kinds and monday and row["weekly"] is None:
            found.append((RecordKind.WEEKLY, last_week.isoformat(), row))
        if RecordKind.MONTHLY in kinds and today.day > MONTHLY_AFTER_DAY and row["monthly"] is None:
            found.append((RecordKind.MONTHLY, last_month.isoformat()[:7], row))
        if found:
            missing[row["pk"]] = found
    return missing


TEXTS = {
    RecordKind.DAILY: lambda: (
        _("No daily check recorded for %(n)d working days.") % {"n": DAILY_GAP}
    ),
    RecordKind.WEEKLY: lambda: _("Last week's screening report is missing."),
    RecordKind.MONTHLY: lambda: _("Last month's scheduling minutes are missing."),
}


def self_check_reminders(*, today: datetime.date, sink=notifications_send) -> int:
    """Write today's reminders and digests; answers how many were new. Nothing on a day off."""
    calendar = WorkingCalendar()
    if not calendar.is_working_day(today):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        missing = _missing(today, calendar)
        if not missing:
            return 0
        members = defaultdict(list)
        for membership in Membership.objects.filter(
            entity_id__in=list(missing), is_active=True, user__is_active=True
        ).select_related("user__cadre", "user__aide"):
            members[membership.entity_id].append(membership.user)
        rows = []
        kind = NotificationKind.SELF_CHECK_MISSING
        for entity_id, found in missing.items():
            for record_kind, period, entity in found:
                link = reverse("enterprises:record-new", args=[entity_id, record_kind])
                for user in members[entity_id]:
                    rows.append(
                        NotificationRow(
                            recipient=user,
                            kind=kind,
                            title=f"{entity['name']}：{RecordKind(record_kind).label}",
                            body=TEXTS[record_kind](),
                            link=link,
                            key=notification_key(
                                kind, user.pk, f"{entity_id}:{record_kind}", period
                            ),
                        )
                    )
        rows += _digests(today, calendar, missing)
        return sink(rows)


def _digests(today, calendar, missing) -> list[NotificationRow]:
    """On the week's first working day: to each holding cadre, their businesses missing records."""
    if not _first_working_day_of_week(today, calendar):
        return []
    holders = dict(
        Assignment.objects.filter(entity_id__in=list(missing), end_date__isnull=True).values_list(
            "entity_id", "cadre_id"
        )
    )
    by_cadre = defaultdict(list)
    for entity_id, found in missing.items():
        if entity_id in holders:
            labels = "、".join(str(RecordKind(k).label) for k, _p, _e in found)
            by_cadre[holders[entity_id]].append(f"{found[0][2]['name']}：{labels}")
    kind = NotificationKind.SELF_CHECK_DIGEST
    week = week_start(today).isoformat()
    rows = []
    for cadre_id, logins in cadre_logins(set(by_cadre)).items():
        lines = sorted(by_cadre[cadre_id])
        for user in logins:
            rows.append(
                NotificationRow(
                    recipient=user,
                    kind=kind,
                    title=_("%(n)d of your businesses miss self-management records")
                    % {"n": len(lines)},
                    body="\n".join(lines[:20]),
                    link=reverse("inspections:my"),
                    key=notification_key(kind, user.pk, "self_checks", week),
                )
            )
    return rows
