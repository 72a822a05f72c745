"""Helpers shared by the test_services_* test modules."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine

from inspections.services import visit_record

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=TZ)  # in 2026 Q2


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def record(user, entity, **kwargs):
    fields = {
        "visited_at": NOW - datetime.timedelta(hours=1),
        "on_site": True,
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return visit_record(user=user, entity=entity, **fields)
