"""企业主体责任落实台账: one row per record, a correction naming the record it corrects, scoped
to the office's area, read back from a real .xlsx."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Record
from ledgers.exports import LEDGERS, export_workbook
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, county, office_user, wanshan_village

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 3, 18, 9, 0))


def test_the_self_management_ledger_has_one_row_per_record():
    # given a business's daily check with a problem, its correction, and another county's record
    entity = EntityFactory(name="金滩饭店")
    user = business_user(entity)
    first = Record.objects.create(
        entity=entity,
        kind="daily",
        period_start=datetime.date(2026, 3, 16),
        content={"items": [{"text": "餐具消毒", "ok": False, "note": "消毒柜未开"}]},
        problems=1,
        open_problems=1,
        submitted_by=user,
        submitted_at=NOW,
    )
    Record.objects.create(
        entity=entity,
        kind="daily",
        period_start=datetime.date(2026, 3, 16),
        corrects=first,
        content={"items": []},
        submitted_by=user,
        submitted_at=NOW,
    )
    elsewhere = EntityFactory(division=wanshan_village())
    Record.objects.create(
        entity=elsewhere,
        kind="weekly",
        period_start=datetime.date(2026, 3, 9),
        content={"found": "无", "focus": "无"},
        submitted_by=business_user(elsewhere),
        submitted_at=NOW,
    )
    # when 碧江区 exports it
    wb = export_workbook(
        user=office_user(county()),
        keys=["self_records"],
        division=None,
        period=None,
        exported_at=NOW,
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    # then its title names the ledger, and it lists its own two records, dates as dates
    assert ws["A1"].value.endswith(str(LEDGERS["self_records"].name))
    header = [c.value for c in ws[3]]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 2
    name, summary = header.index(_("Business name")), header.index(_("Summary"))
    corrects = header.index(_("Corrects the record for"))
    assert {r[name] for r in rows} == {"金滩饭店"}
    assert rows[0][summary] == "餐具消毒：消毒柜未开"
    assert rows[0][corrects] is None
    assert rows[1][corrects].date() == datetime.date(2026, 3, 16)
    assert isinstance(rows[0][1], datetime.datetime)
