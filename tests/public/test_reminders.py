"""A request's deadline: a reminder before it, a weekly overdue warning after it; once each."""

import datetime

import pytest

from baobao.models import Notification, NotificationKind
from public.models import PublicRequest, RequestStatus
from public.reminders import request_reminders_run
from tests.factories import AssignmentFactory, cadre_login, county, office_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)


def _assigned(deadline):
    holding = AssignmentFactory()
    return PublicRequest.objects.create(
        code=f"R{holding.pk:07d}",
        division=holding.entity.division,
        entity=holding.entity,
        assigned_cadre=holding.cadre,
        status=RequestStatus.ASSIGNED,
        deadline=deadline,
        category="hygiene",
        text="t",
    )


def test_a_near_deadline_reminds_the_cadre_once():
    request = _assigned(TODAY + datetime.timedelta(days=1))
    cadre = cadre_login(request.assigned_cadre)

    assert request_reminders_run(today=TODAY) == 1
    assert request_reminders_run(today=TODAY) == 0

    note = Notification.objects.get()
    assert note.recipient == cadre and note.kind == NotificationKind.PUBLIC_REQUEST_DUE
    assert request.events.filter(kind="reminded").count() == 1


def test_an_overdue_request_warns_the_cadre_and_the_office_weekly():
    request = _assigned(TODAY - datetime.timedelta(days=1))
    cadre_login(request.assigned_cadre)
    office_user(county())

    assert request_reminders_run(today=TODAY) == 2
    assert request_reminders_run(today=TODAY + datetime.timedelta(days=1)) == 0  # same week
    assert request_reminders_run(today=TODAY + datetime.timedelta(days=7)) == 2

    assert request.events.filter(kind="overdue").count() == 2


def test_a_handled_request_is_not_chased():
    request = _assigned(TODAY - datetime.timedelta(days=1))
    request.status = RequestStatus.HANDLED
    request.save()
    cadre_login(request.assigned_cadre)

    assert request_reminders_run(today=TODAY) == 0
