"""Celery tasks of the core: delivering notifications, the outbox sweeper, beat's tick and the
dead man's switch. Each takes ids or nothing, reads the clock once, calls one service."""

from celery import shared_task
from django.conf import settings

from baobao import clock, deadman, notifications, outbox


@shared_task(ignore_result=True)
def deliveries_send() -> dict:
    """Send every e-mail and SMS that is due, first tries and retries alike. Safe to run twice
    at once: each worker claims its own rows."""
    return notifications.deliveries_send(now=clock.read())


@shared_task(ignore_result=True)
def outbox_flush() -> dict:
    """Enqueue the tasks a broker outage left in the outbox."""
    return outbox.outbox_flush(now=clock.read())


@shared_task(ignore_result=True)
def beat_tick() -> None:
    """Beat is alive and a worker runs its tasks: record it, and raise or clear the alarms."""
    now = clock.read()
    deadman.heartbeat_record(name=deadman.BEAT, now=now)
    if settings.DEADMAN_SWITCH:
        deadman.alarms_check(now=now)
