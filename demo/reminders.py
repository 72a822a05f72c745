"""The demo's reminders and warnings (督导提醒与预警): the jobs run as beat would have run them on a
few past days, so the inboxes of the demo logins (``cadre``, ``county`` and the others) hold an
example of each kind. In-app messages only: the demo sends no e-mail or SMS.

The demo's unheld businesses are registered by the seed itself, i.e. today, so no gap would be
past the re-assignment limit yet: those of the demo county are dated back to the quarter's
first day, so that the county office has its coverage warning.
"""

import datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef

from baobao import clock
from baobao.models import NotificationKind
from baobao.notifications import notifications_send
from cadres.models import Assignment
from entities.models import Entity
from inspections.models import Issue, IssueStatus, ReminderPolicy
from inspections.quarters import Quarter
from inspections.reminders import in_quarter_days, reminders_run

LOCAL = ZoneInfo("Asia/Shanghai")


def _morning(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=LOCAL)


def _last_in_quarter_day(today: datetime.date, policy: ReminderPolicy) -> datetime.date:
    """The latest in-quarter reminder day before today (of this quarter or the last)."""
    quarter = Quarter.of(today)
    days = [d for d in in_quarter_days(quarter, policy) if d <= today]
    return days[-1] if days else in_quarter_days(quarter.previous(), policy)[-1]


def _soon_day(cadre, today: datetime.date, policy: ReminderPolicy) -> datetime.date | None:
    """A past day on which one of the demo cadre's open issues was near its deadline."""
    held = Assignment.objects.filter(cadre=cadre, end_date__isnull=True).values("entity_id")
    deadline = (
        Issue.objects.exclude(status=IssueStatus.CLOSED)
        .filter(entity_id__in=held, deadline__lt=today)
        .order_by("-deadline")
        .values_list("deadline", flat=True)
        .first()
    )
    if deadline is None:
        return None
    return deadline - datetime.timedelta(days=policy.issue_lead_days)


def _backdate_unheld(county, since: datetime.date) -> None:
    """Businesses of ``county`` that never had a holder count as registered on ``since``."""
    Entity.objects.filter(
        ~Exists(Assignment.objects.filter(entity=OuterRef("pk"))),
        division__path__startswith=county.path,
        created_at__gt=_morning(since),
    ).update(created_at=_morning(since))


def seed_reminders(*, demo_cadre, demo_county, today: datetime.date | None = None) -> dict:
    """Run each job on its chosen day, oldest first; return the messages written per kind."""
    today = today or clock.today()
    policy = ReminderPolicy.load()
    quarter = Quarter.of(today)
    _backdate_unheld(demo_county, quarter.first_day)
    overdue_day = quarter.previous().last_day + datetime.timedelta(days=policy.overdue_delay_days)
    runs = [
        (NotificationKind.QUARTER_END_OVERDUE, overdue_day),
        (NotificationKind.QUARTER_START, quarter.first_day),
        (NotificationKind.IN_QUARTER, _last_in_quarter_day(today, policy)),
        (NotificationKind.ISSUE_DEADLINE_SOON, _soon_day(demo_cadre, today, policy) or today),
        (NotificationKind.ISSUE_OVERDUE, today),
        (NotificationKind.COVERAGE_GAP, today),
    ]
    counts = {}
    for kind, day in sorted(runs, key=lambda run: run[1]):
        sink = partial(notifications_send, now=min(_morning(day), clock.now()), channels=())
        counts[str(kind)] = reminders_run(kind=kind, today=day, sink=sink).messages
    return {"notifications": counts}
