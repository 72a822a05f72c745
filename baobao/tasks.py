"""Celery tasks of the core: delivering notifications by e-mail and SMS."""

from celery import shared_task

from baobao import notifications


@shared_task(ignore_result=True)
def deliveries_send() -> dict:
    """Send every e-mail and SMS that is due, first tries and retries alike. Safe to run twice
    at once: each worker claims its own rows."""
    return notifications.deliveries_send()
