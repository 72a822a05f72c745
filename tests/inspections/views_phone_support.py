"""Helpers shared by the test_views_phone_* test modules."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    EntityFactory,
)

TZ = ZoneInfo("Asia/Shanghai")


NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=TZ)  # 2026 Q2: 42 days left, 30 June counted


MY = reverse("inspections:my")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def holding():
    # A county cadre holding a B restaurant since 2026-04-20, with an assistant and a liaison.
    holding = AssignmentFactory(entity=EntityFactory(grade="B", name="碧江大酒店"))
    CadreAideFactory(cadre=holding.cadre, name="李协保")
    CadreAideFactory(cadre=holding.cadre, name="王联络", kind="liaison")
    return holding


def form_url(entity) -> str:
    return f"{reverse('inspections:visit-new')}?entity={entity.pk}"
