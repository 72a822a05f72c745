"""Writing the audit log: ``audit_record`` is the one call every entry point makes."""

from datetime import timedelta

from axes.helpers import get_client_ip_address

from audit.models import RETENTION_FLOOR_DAYS, AuditEvent, AuditKind, AuditResult


def audit_record(
    *,
    kind: AuditKind | str,
    request=None,
    user=None,
    username: str = "",
    target: object = "",
    result: AuditResult | str = AuditResult.SUCCESS,
    ip: str | None = None,
    **detail,
) -> AuditEvent:
    """Append one event: who (``user``, else the request's user), from where (the request's
    client address, proxy-aware), what (``kind``, ``target``, ``detail``) and the result."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if ip is None and request is not None:
        ip = get_client_ip_address(request) or None
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        ip=ip,
        target=str(target)[:300],
        result=result,
        detail={key: _plain(value) for key, value in detail.items()},
    )


def _plain(value):
    """JSON-safe: numbers, text, lists and dicts as they are, anything else as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def audit_purge(*, now, days: int) -> int:
    """Delete the events older than ``days`` (never fewer than the floor the database keeps);
    answers how many went."""
    cutoff = now - timedelta(days=max(days, RETENTION_FLOOR_DAYS))
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
