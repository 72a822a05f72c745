"""The inbox (/notifications/): every user's own reminders and warnings, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from baobao import notifications


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@login_required
def inbox(request):
    rows, next_before = notifications.inbox_page(user=request.user, before=_before(request))
    return render(
        request,
        "notifications/inbox.html",
        {"rows": rows, "next_before": next_before, "paged": _before(request) is not None},
    )


@login_required
def open_notification(request, pk):
    """Opening a message marks it read and goes to the page that settles it."""
    notification = notifications.access_notification(request.user, pk)
    notifications.notification_mark_read(notification=notification)
    link = notification.link
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(link)


@login_required
@require_POST
def mark_read(request, pk):
    notification = notifications.access_notification(request.user, pk)
    notifications.notification_mark_read(notification=notification)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    notifications.notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")
