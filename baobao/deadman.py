"""The dead man's switch: the office learns when the machinery stopped.

Two things must keep happening, and each records a ``Heartbeat`` when it does:

- beat ticks: ``baobao.tasks.beat_tick`` every BEAT_TICK_SECONDS writes ``"beat"`` (it runs on a
  worker, so a fresh tick means beat, the broker and a worker are all alive);
- each daily reminder job completes: the reminder task and ``manage.py send_reminders`` write
  ``"reminders:<kind>"`` (``DAILY_RUNS`` in baobao/celery.py lists them with their hour).

``problems(now)`` reads every heartbeat in one query and names what is late: no tick for
BEAT_STALE_MINUTES, or a daily job not completed REMINDERS_LATE_HOURS after its hour. System
administrators then see a banner on every page (``deadman_banner``, cached for a minute) and get
one message per incident (an ``Alarm`` row, one open per name), raised by whichever notices
first: the banner, ``/readyz`` or the tick itself. When the heartbeat is back the alarm clears.

Off unless DEADMAN_SWITCH is true (production with Redis: on by default); a laptop has no beat.
"""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from baobao import clock
from baobao.celery import DAILY_RUNS
from baobao.health import register_check
from baobao.models import Alarm, Heartbeat, NotificationKind, Role, User

logger = logging.getLogger(__name__)

BEAT = "beat"
CACHE_KEY = "deadman:problems"
CACHE_SECONDS = 60


def reminder_heartbeat(kind: str) -> str:
    return f"reminders:{kind}"


def heartbeat_record(*, name: str, now: datetime.datetime) -> None:
    """Record that ``name`` happened at ``now`` (a later record wins)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})


def problems(*, now: datetime.datetime, beats: dict | None = None) -> dict[str, str]:
    """What is late at ``now``, by alarm name, with a sentence for the administrator."""
    beats = dict(Heartbeat.objects.values_list("name", "at")) if beats is None else beats
    late: dict[str, str] = {}
    tick = beats.get(BEAT)
    stale = datetime.timedelta(minutes=settings.BEAT_STALE_MINUTES)
    if tick is None or now - tick > stale:
        since = timezone.localtime(tick).strftime("%Y-%m-%d %H:%M") if tick else "—"
        late[BEAT] = _(
            "The scheduler (Celery beat) has not ticked for %(minutes)d minutes (last: %(since)s):"
            " reminders and e-mail are not being sent."
        ) % {"minutes": settings.BEAT_STALE_MINUTES, "since": since}
    local = timezone.localtime(now)
    for name, (hour, minute) in DAILY_RUNS.items():
        due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if now < due + datetime.timedelta(hours=settings.REMINDERS_LATE_HOURS):
            continue
        last = beats.get(name)
        if last is None or last < due:
            late[name] = _(
                "Today's reminder run %(name)s (due %(hour)02d:%(minute)02d) has not completed."
            ) % {"name": name, "hour": hour, "minute": minute}
    return late


def alarms_check(*, now: datetime.datetime, late: dict[str, str] | None = None) -> list[Alarm]:
    """Raise an alarm for each new problem (telling the administrators once) and clear the
    alarms whose problem is gone. Returns the alarms raised now."""
    from baobao.notifications import NotificationRow, notifications_send, recipients_queryset

    late = problems(now=now) if late is None else late
    Alarm.objects.filter(cleared_at__isnull=True).exclude(name__in=list(late)).update(
        cleared_at=now
    )
    open_names = set(
        Alarm.objects.filter(cleared_at__isnull=True, name__in=list(late)).values_list(
            "name", flat=True
        )
    )
    raised = []
    for name, message in late.items():
        if name in open_names:
            continue
        try:
            with transaction.atomic():
                alarm = Alarm.objects.create(name=name, message=message[:300], raised_at=now)
                admins = recipients_queryset().filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
                notifications_send(
                    [
                        NotificationRow(
                            recipient=user,
                            kind=NotificationKind.SYSTEM_ALARM,
                            title=_("System alarm: %(message)s") % {"message": message},
                            body=message,
                            link="/notifications/deliveries/",
                            key=f"alarm:{alarm.pk}:{user.pk}",
                        )
                        for user in admins
                    ],
                    now=now,
                )
        except IntegrityError:  # another process raised it first
            continue
        logger.error("Alarm raised: %s", message)
        raised.append(alarm)
    return raised


def deadman_banner(request) -> dict:
    """Context processor: for system administrators, what is late (a lazy dict, read from the
    cache, else one query), raising the alarm if nobody has yet."""
    user = getattr(request, "user", None)
    if not settings.DEADMAN_SWITCH or user is None or not user.is_authenticated:
        return {}
    if not isinstance(user, User) or not user.is_system_admin:
        return {}
    now = getattr(request, "now", None) or clock.now()

    def read() -> dict:
        late = cache.get(CACHE_KEY)
        if late is None:
            late = problems(now=now)
            if late:
                alarms_check(now=now, late=late)
            cache.set(CACHE_KEY, late, CACHE_SECONDS)
        return late

    return {"deadman_problems": SimpleLazyObject(read)}


def _check_beat(now: datetime.datetime) -> tuple[bool, str]:
    """Beat's tick (and, when the switch is on, raising the alarms: the load balancer polls
    /readyz even when no administrator opens a page)."""
    late = problems(now=now)
    if late and settings.DEADMAN_SWITCH:
        alarms_check(now=now, late=late)
    beat = late.get(BEAT)
    return beat is None, beat or "ok"


def _check_reminders(now: datetime.datetime) -> tuple[bool, str]:
    late = {k: v for k, v in problems(now=now).items() if k != BEAT}
    return not late, " ".join(late.values()) or "ok"


register_check("beat", _check_beat)
register_check("reminders", _check_reminders)
