"""Celery task of the business side: the morning's self-management reminders (beat in
baobao/celery.py). Safe to run twice: the message keys dedupe."""

from celery import shared_task

from baobao import clock
from enterprises.reminders import self_check_reminders


@shared_task
def send_self_check_reminders() -> int:
    return self_check_reminders(today=clock.local_day(clock.read()))
