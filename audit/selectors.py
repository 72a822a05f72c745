"""Reading the audit log: the auditor's search."""

import ipaddress
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def audit_event_list(
    *,
    kind: str = "",
    username: str = "",
    result: str = "",
    text: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events newest first, narrowed by the auditor's filters (local-day bounds, inclusive)."""
    qs = AuditEvent.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if username:
        qs = qs.filter(username=username)
    if result:
        qs = qs.filter(result=result)
    if text:
        match = Q(target__icontains=text)
        qs = qs.filter(match | Q(ip=text) if _is_ip(text) else match)
    if since:
        qs = qs.filter(at__gte=_start_of(since))
    if until:
        qs = qs.filter(at__lt=_start_of(until + timedelta(days=1)))
    return qs.order_by("-at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
