"""Helpers shared by the test_reminders_* test modules."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from baobao.models import Notification
from inspections.models import Visit
from inspections.quarters import Quarter
from inspections.reminders import reminders_run

SHANGHAI = ZoneInfo("Asia/Shanghai")


D = datetime.date


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def run(kind, today):
    return reminders_run(kind=kind, today=today)


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


def visit(entity, cadre, when):
    return Visit.objects.create(
        entity=entity,
        cadre=cadre,
        logged_by=cadre.user,
        visited_at=when,
        quarter=Quarter.of(when).code,
        idempotency_key=__import__("uuid").uuid4(),
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
