"""The records' monthly summary the office's rates read: written by ``record_submit`` in the
record's transaction, equal to a full rebuild from the records, and the rates over a range that
cuts months equal a hand count of the records."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from enterprises.models import Record, RecordKind, RecordMonth
from enterprises.months import record_months_rebuild
from enterprises.rates import completion_rates
from enterprises.services import record_submit
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, county, office_user, wanshan

pytestmark = pytest.mark.django_db

D = datetime.date
ITEMS = {"items": [{"text": "检查", "ok": True, "note": "", "fixed": False}]}


def _submit(user, entity, day, kind=RecordKind.DAILY, **kw):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18)))
    content = ITEMS if kind == RecordKind.DAILY else {"found": "无", "focus": "留样"}
    with time_machine.travel(moment, tick=False):
        return record_submit(
            user=user, entity=entity, kind=kind, day=day, today=day, content=content, **kw
        )[0]


def _summary() -> dict:
    return {(m.entity_id, m.kind, m.month): m.days for m in RecordMonth.objects.all()}


def test_submitting_keeps_the_summary_equal_to_a_rebuild():
    # given daily checks across the end of February, a weekly report and a correction
    entity, other = EntityFactory(grade="B"), EntityFactory(grade="B")
    user = business_user(entity, other)
    for day in (D(2026, 2, 26), D(2026, 2, 27), D(2026, 3, 2), D(2026, 3, 31)):
        _submit(user, entity, day)
    first = _submit(user, other, D(2026, 3, 3))
    _submit(user, other, D(2026, 3, 4), corrects=first)
    _submit(user, entity, D(2026, 3, 2), kind=RecordKind.WEEKLY)
    # then the summary holds each kept day as one bit of its month
    written = _summary()
    assert written == {
        (entity.pk, "daily", D(2026, 2, 1)): (1 << 25) | (1 << 26),
        (entity.pk, "daily", D(2026, 3, 1)): (1 << 1) | (1 << 30),
        (entity.pk, "weekly", D(2026, 3, 1)): 1 << 1,
        (other.pk, "daily", D(2026, 3, 1)): 1 << 2,  # the correction adds no day
    }
    # and a rebuild from the records derives the very same rows
    RecordMonth.objects.all().delete()
    assert record_months_rebuild() == 4
    assert _summary() == written


def test_rates_over_a_range_cutting_months_match_a_hand_count():
    # given a B business's daily checks on scattered days of February and March
    bijiang = county()
    entity = EntityFactory(grade="B")
    user = business_user(entity)
    days = [D(2026, 2, d) for d in (2, 16, 25, 26, 27)] + [D(2026, 3, d) for d in (2, 3, 10, 20)]
    for day in days:
        Record.objects.create(
            entity=entity,
            kind="daily",
            period_start=day,
            content={},
            submitted_by=user,
            submitted_at=timezone.now(),
        )
    record_months_rebuild()
    start, end = D(2026, 2, 25), D(2026, 3, 10)
    # when the office reads the rates from 02-25 to 03-10
    rows = completion_rates(
        user=office_user(bijiang), division=bijiang, grouping="grade", start=start, end=end
    )
    # then the kept daily checks are those dated in the range, counted by hand from the records
    by_hand = sum(start <= day <= end for day in days)
    assert by_hand == 6
    assert rows[0].rates()[0]["done"] == by_hand


def test_rates_of_a_division_outside_the_office_area_are_empty():
    # given a kept day in 碧江区 and the office of 万山区 beside it
    bijiang = county()
    entity = EntityFactory(grade="B")
    user = business_user(entity)
    Record.objects.create(
        entity=entity,
        kind="daily",
        period_start=D(2026, 3, 2),
        content={},
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    record_months_rebuild()
    # when 万山区's office asks for 碧江区's rates, then it reads nothing
    rows = completion_rates(
        user=office_user(wanshan()),
        division=bijiang,
        grouping="grade",
        start=D(2026, 3, 2),
        end=D(2026, 3, 6),
    )
    assert rows == []
