"""Celery tasks of supervision: the reminder and warning jobs (督导提醒与预警).

Beat (baobao/celery.py) runs each every morning; the job itself decides from the admin's
ReminderPolicy whether today is a sending day. Safe to run twice: the message keys dedupe.
"""

from celery import shared_task

from baobao import clock
from baobao.deadman import heartbeat_record, reminder_heartbeat
from inspections.reminders import reminders_run


@shared_task
def send_reminders(kind: str) -> int:
    """Run the ``kind`` job for today; return how many messages were new. Its completion is
    recorded for the dead man's switch."""
    now = clock.read()
    messages = reminders_run(kind=kind, today=clock.local_day(now)).messages
    heartbeat_record(name=reminder_heartbeat(kind), now=clock.read())
    return messages
