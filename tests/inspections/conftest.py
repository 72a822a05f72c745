"""Fixtures shared by the test modules of this directory."""

import pytest

from baobao.models import Level
from entities.models import Grade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    cadre_user,
    county,
    office_user,
    township,
    village,
    wanshan,
)
from tests.inspections.reminders_support import D


@pytest.fixture
def holding(db):
    # A village cadre holding a small restaurant since 2026-04-20.
    return AssignmentFactory()


@pytest.fixture
def world():
    """A village cadre in 金滩社区 holding two businesses since January, with a login; the
    township office above them; the county office; an office in another county."""
    cadre = CadreFactory(level=Level.VILLAGE, name="王村干")
    login = cadre_user(cadre, first_name="王村干")
    entities = [
        EntityFactory(name=name, grade=Grade.D, division=village()) for name in ("甲店", "乙店")
    ]
    for entity in entities:
        AssignmentFactory(entity=entity, cadre=cadre, start_date=D(2026, 1, 1))
    return {
        "cadre": cadre,
        "login": login,
        "entities": entities,
        "township_office": office_user(township()),
        "county_office": office_user(county()),
        "other_office": office_user(wanshan()),
    }


@pytest.fixture
def eager_tasks():
    """Tasks run in process after the commit (as on a laptop without Redis), whatever the
    environment's broker: what a service enqueues runs when the test runs its callbacks."""
    from baobao.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved
