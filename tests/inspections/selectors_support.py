"""Helpers shared by the test_selectors_* test modules."""

import datetime
import uuid
from zoneinfo import ZoneInfo

from inspections.models import Visit
from inspections.quarters import Quarter
from tests.factories import (
    AssignmentFactory,
    UserFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


Q2 = Quarter(2026, 2)


AFTER_Q2 = datetime.date(2026, 8, 15)  # Q2 is over: judged on 30 June


JAN1 = datetime.date(2026, 1, 1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def visit(entity, cadre, when, user=None) -> Visit:
    return Visit.objects.create(
        entity=entity,
        cadre=cadre,
        logged_by=user or UserFactory(),
        visited_at=when,
        quarter=Quarter.of(when).code,
        idempotency_key=uuid.uuid4(),
    )


def held(entity, cadre, start=JAN1, end=None):
    return AssignmentFactory(entity=entity, cadre=cadre, start_date=start, end_date=end)
