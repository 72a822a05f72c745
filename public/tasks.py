"""Celery tasks of the public side: the requests' deadline reminders (beat: baobao/celery.py)."""

from celery import shared_task

from baobao import clock
from public.reminders import request_reminders_run


@shared_task
def request_reminders_send() -> int:
    """Safe to run twice: the message keys dedupe."""
    return request_reminders_run(today=clock.local_day(clock.read()))
