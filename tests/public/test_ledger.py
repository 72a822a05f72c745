"""群众诉求台账: the seventh Excel ledger, read back with openpyxl."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from ledgers.exports import LEDGERS, export_workbook
from public.models import PublicRequest, RequestStatus
from tests.factories import AssignmentFactory, EntityFactory, county, office_user, wanshan_village

pytestmark = pytest.mark.django_db


def _request(entity, code, **fields):
    return PublicRequest.objects.create(
        code=code,
        division=entity.division,
        entity=entity,
        category="hygiene",
        text="后厨脏乱",
        phone="13800138000",
        **fields,
    )


def test_the_requests_ledger_lists_the_areas_requests_and_their_outcome():
    here = AssignmentFactory()
    _request(
        here.entity,
        "AAAA2222",
        status=RequestStatus.CLOSED,
        reply="已整改",
        closed_at=timezone.now(),
    )
    _request(
        here.entity,
        "BBBB3333",
        status=RequestStatus.ASSIGNED,
        assigned_cadre=here.cadre,
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    _request(EntityFactory(division=wanshan_village()), "CCCC4444")

    wb = export_workbook(
        user=office_user(county()),
        keys=["requests"],
        division=None,
        period=None,
        exported_at=timezone.now(),
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active

    assert ws["A1"].value.endswith(str(LEDGERS["requests"].name))
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    flat = [str(c) for row in values for c in row if c is not None]
    assert "AAAA2222" in flat and "BBBB3333" in flat and "CCCC4444" not in flat
    assert "已整改" in flat and "群众诉求台账" in ws["A1"].value
    assert "13800138000" not in flat  # no reporter's phone in a ledger that travels upward
    row = next(r for r in values if "BBBB3333" in r)
    assert "是" in row  # overdue
