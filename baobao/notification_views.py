"""The inbox (/notifications/): every user's own reminders and warnings, and marking them read;
the office's delivery log (/notifications/deliveries/): e-mail and SMS to the people of its area,
what failed and why, and a retry button."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baobao import notifications
from baobao.models import Delivery, DeliveryStatus
from baobao.scoping import scope_deliveries

DELIVERY_LOG_ROWS = 200


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


def _office_deliveries(request):
    user = request.user
    if not (user.is_office or user.is_system_admin):
        raise PermissionDenied(_("This page is for food-safety office staff."))
    return scope_deliveries(Delivery.objects.all(), user)


@login_required
def delivery_log(request):
    """The newest deliveries of the office's area, filtered by status (default: the failed)."""
    status = request.GET.get("status", DeliveryStatus.FAILED)
    qs = _office_deliveries(request).select_related("notification__recipient")
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    rows = list(qs.order_by("-created_at", "-id")[:DELIVERY_LOG_ROWS])
    return render(
        request,
        "notifications/deliveries.html",
        {"rows": rows, "status": status, "statuses": DeliveryStatus.choices},
    )


@login_required
@require_POST
def delivery_retry(request, pk):
    """Retry one delivery of the office's area now, with a fresh retry horizon."""
    delivery = get_object_or_404(_office_deliveries(request), pk=pk)
    count = notifications.deliveries_retry(
        deliveries=Delivery.objects.filter(pk=delivery.pk), now=request.now
    )
    if count:
        messages.success(request, _("The delivery will be retried now."))
    else:
        messages.info(request, _("This delivery is not waiting for a retry."))
    return redirect(f"{_log_url()}?status={delivery.status}")


@login_required
@require_POST
def deliveries_retry_failed(request):
    """Retry every failed delivery of the office's area."""
    count = notifications.deliveries_retry(
        deliveries=_office_deliveries(request).filter(status=DeliveryStatus.FAILED),
        now=request.now,
    )
    messages.success(request, _("%(count)d deliveries will be retried now.") % {"count": count})
    return redirect(_log_url())


def _log_url() -> str:
    return reverse("notifications:deliveries")
