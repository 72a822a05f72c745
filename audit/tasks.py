from celery import shared_task
from django.conf import settings

from audit.services import audit_purge
from baobao import clock


@shared_task
def audit_purge_old() -> int:
    """Daily: the audit rows past their retention go (the database refuses younger ones)."""
    return audit_purge(now=clock.read(), days=settings.AUDIT_RETENTION_DAYS)
