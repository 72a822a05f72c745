"""Helpers shared by the test_views_phone_* test modules."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from inspections.checklists import checklist_for
from inspections.models import CheckResult
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


FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def visit_data(entity, *, key=None, results=None, **extra) -> dict:
    """A complete visit form: every item passes unless ``results`` (index → result) says otherwise."""
    items = list(checklist_for(entity).items.all())
    data = {
        "visited_at": "2026-05-20T09:30",
        "on_site": "yes",
        "findings": "",
        "companions_other": "",
        "idempotency_key": str(key or uuid.uuid4()),
    }
    for index, item in enumerate(items):
        data[f"check-{item.pk}-result"] = (results or {}).get(index, CheckResult.PASS)
        data[f"check-{item.pk}-note"] = ""
    data.update(extra)
    return data
