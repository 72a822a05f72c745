"""Template context for every page."""

from django.utils.functional import SimpleLazyObject

from baobao.auth import UNREAD_CAP
from baobao.cache import cache_unavailable
from baobao.models import Notification


def unread_notifications(request) -> dict:
    """The user's unread message count for the header ("" when none): read with the request's
    user (``baobao.auth.UserBackend``), else one query on the partial unread index reading at
    most UNREAD_CAP + 1 ids (no COUNT), run only if the page prints it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> str:
        n = getattr(user, "unread_capped", None)
        if n is None:
            unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
            n = len(unread.order_by().values_list("pk", flat=True)[: UNREAD_CAP + 1])
        if n > UNREAD_CAP:
            return f"{UNREAD_CAP}+"
        return str(n) if n else ""

    return {"unread_notifications": SimpleLazyObject(count)}


def cache_status(request) -> dict:
    """``cache_unavailable``: true while Redis is being bypassed (baobao/cache.py). A callable,
    so the template asks after the view has used the cache, and only where it prints it."""
    return {"cache_unavailable": cache_unavailable}
