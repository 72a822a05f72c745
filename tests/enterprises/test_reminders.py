"""Reminders to the business follow the policy and the working days, and are sent once."""

import datetime

import pytest
from django.utils import timezone

from baobao.models import Notification, NotificationKind
from enterprises.models import Record, RecordPolicy, Requirement
from enterprises.reminders import self_check_reminders
from tests.enterprises.conftest import business_user
from tests.factories import AssignmentFactory, EntityFactory, cadre_login

pytestmark = pytest.mark.django_db
D = datetime.date


def _record(entity, user, kind, day):
    Record.objects.create(
        entity=entity,
        kind=kind,
        period_start=day,
        content={},
        submitted_by=user,
        submitted_at=timezone.now(),
    )


def _told(user):
    """(record kind, period) of each reminder to ``user``, from its key."""
    keys = Notification.objects.filter(recipient=user).values_list("key", flat=True)
    return sorted(tuple(key.split(":")[3:5]) for key in keys)


def test_reminders_follow_policy_working_days_and_are_sent_once():
    # given on Monday 2026-03-16: a B restaurant whose last daily check was Tue 03-10
    # (Wed, Thu, Fri without one: 3 working days), no weekly report for 03-09, February's
    # minutes kept; a stall (exempt) with nothing at all; a D business kept up to date
    full = AssignmentFactory(entity=EntityFactory(grade="B"), start_date=D(2026, 1, 1)).entity
    stall = EntityFactory(business_type="stall")
    daily_only = EntityFactory(grade="D")
    RecordPolicy.objects.update_or_create(
        business_type="stall", grade="", defaults={"requirement": Requirement.EXEMPT}
    )
    owner = business_user(full)
    holder = cadre_login(full.assignments.get().cadre)
    stall_user = business_user(stall)
    small = business_user(daily_only)
    _record(full, owner, "daily", D(2026, 3, 10))
    _record(full, owner, "monthly", D(2026, 2, 1))
    _record(daily_only, small, "daily", D(2026, 3, 13))
    # when the job runs on Monday, then again the same day and on Tuesday
    first = self_check_reminders(today=D(2026, 3, 16))
    again = self_check_reminders(today=D(2026, 3, 16))
    # then the B business hears of its daily gap and last week's report, once each
    assert _told(owner) == [("daily", "2026-03-10"), ("weekly", "2026-03-09")]
    assert first == 3 and again == 0  # two reminders and the cadre's digest
    # the stall (exempt) and the up-to-date D business hear nothing
    assert not Notification.objects.filter(recipient__in=[stall_user, small]).exists()
    # the holding cadre gets the week's digest naming the business
    digest = Notification.objects.get(kind=NotificationKind.SELF_CHECK_DIGEST)
    assert digest.recipient == holder and full.name in digest.body
    # on Tuesday the same daily gap is not told again, nor the weekly report
    assert self_check_reminders(today=D(2026, 3, 17)) == 0


def test_nothing_is_sent_on_a_day_off():
    entity = EntityFactory(grade="B")
    business_user(entity)
    assert self_check_reminders(today=D(2026, 3, 14)) == 0  # a Saturday


def test_the_minutes_are_reminded_after_the_fifth_only():
    entity = EntityFactory(grade="B")
    user = business_user(entity)
    for day in range(2, 7):
        _record(entity, user, "daily", D(2026, 3, day))
    _record(entity, user, "weekly", D(2026, 2, 23))
    assert self_check_reminders(today=D(2026, 3, 5)) == 0
    assert self_check_reminders(today=D(2026, 3, 6)) == 1
    assert Notification.objects.get().key.endswith(":2026-02")
