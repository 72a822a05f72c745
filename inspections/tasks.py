"""Celery tasks of supervision: the reminder and warning jobs (督导提醒与预警), and the re-encode
of visit photos with its sweep.

Beat (baobao/celery.py) runs each reminder job every morning; the job itself decides from the
admin's ReminderPolicy whether today is a sending day. Safe to run twice: the message keys
dedupe. A photo's re-encode is queued by the submit; a photo no longer processing is skipped.
"""

from celery import shared_task

from baobao import clock
from baobao.deadman import heartbeat_record, reminder_heartbeat
from inspections import visit_photos
from inspections.reminders import reminders_run


@shared_task
def send_reminders(kind: str) -> int:
    """Run the ``kind`` job for today; return how many messages were new. Its completion is
    recorded for the dead man's switch."""
    now = clock.read()
    messages = reminders_run(kind=kind, today=clock.local_day(now)).messages
    heartbeat_record(name=reminder_heartbeat(kind), now=clock.read())
    return messages


@shared_task(ignore_result=True)
def visit_photo_process(photo_id: int) -> str | None:
    """Re-encode one visit photo from its quarantined original; safe to run twice."""
    return visit_photos.visit_photo_process(photo_id=photo_id)


@shared_task(ignore_result=True)
def visit_photos_sweep() -> dict:
    """Queue again photos whose re-encode was lost, fail those out of attempts, and delete
    quarantined uploads no photo refers to."""
    return visit_photos.visit_photos_sweep(now=clock.read())
