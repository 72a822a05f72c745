"""Deadlines of public requests (随手拍 and 你点我查 tasks): a reminder to the assigned cadre
shortly before the deadline, and an overdue warning to the cadre and the county office each week
past it until handled. The period is in each message's key, so a rerun writes nothing twice; the
request's history records each warning once."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from baobao.models import NotificationKind, User
from baobao.notifications import NotificationRow, notification_key, notifications_send
from public.models import EventKind, PublicRequest, RequestEvent, RequestStatus
from public.selectors import office_recipients

LEAD_DAYS = 2
BATCH = 500


def _row(user, request, *, kind, title, period) -> NotificationRow:
    return NotificationRow(
        recipient=user,
        kind=kind,
        title=title,
        body=request.text[:200],
        link=reverse("public:request-detail", args=[request.pk]),
        key=notification_key(kind, user.pk, f"request{request.pk}", period),
    )


def _note_once(request, kind, period) -> None:
    if not RequestEvent.objects.filter(request=request, kind=kind, note=period).exists():
        RequestEvent.objects.create(request=request, kind=kind, note=period)


def _cadre_users(cadre_id):
    return list(User.objects.filter(cadre_id=cadre_id, is_active=True).select_related("cadre"))


@transaction.atomic
def request_reminders_run(*, today: datetime.date) -> int:
    """Send what is due today; return how many messages were new."""
    new = 0
    assigned = PublicRequest.objects.filter(status=RequestStatus.ASSIGNED).select_related(
        "division"
    )
    soon = assigned.filter(
        deadline__gte=today, deadline__lte=today + datetime.timedelta(days=LEAD_DAYS)
    )
    with translation.override(settings.LANGUAGE_CODE):
        for request in soon.order_by("id")[:BATCH]:
            period = f"due{request.deadline.isoformat()}"
            title = _("Public request %(code)s is due %(date)s") % {
                "code": request.code,
                "date": request.deadline.isoformat(),
            }
            rows = [
                _row(
                    u, request, kind=NotificationKind.PUBLIC_REQUEST_DUE, title=title, period=period
                )
                for u in _cadre_users(request.assigned_cadre_id)
            ]
            new += notifications_send(rows)
            _note_once(request, EventKind.REMINDED, period)
        for request in assigned.filter(deadline__lt=today).order_by("id")[:BATCH]:
            year, week, _day = today.isocalendar()
            period = f"overdue{year}W{week:02d}"
            title = _("Public request %(code)s is overdue since %(date)s") % {
                "code": request.code,
                "date": request.deadline.isoformat(),
            }
            users = _cadre_users(request.assigned_cadre_id) + list(
                office_recipients(request.division)
            )
            rows = [
                _row(
                    u,
                    request,
                    kind=NotificationKind.PUBLIC_REQUEST_OVERDUE,
                    title=title,
                    period=period,
                )
                for u in users
            ]
            new += notifications_send(rows)
            _note_once(request, EventKind.OVERDUE, period)
    return new
