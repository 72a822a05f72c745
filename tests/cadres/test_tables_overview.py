"""The adjustment ledger builds its rows itself (``AdjustmentTable.body``) for the lean template:
each cell must be what its column renders through django-tables2 (the cell templates under
templates/overview/cells/)."""

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django_tables2 import RequestConfig
from django_tables2.rows import BoundRow

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from cadres.selectors.overview import adjustment_list
from cadres.tables_overview import AdjustmentTable
from entities.models import Grade
from tests.factories import (
    CadreFactory,
    EntityFactory,
    ZoneFactory,
    admin_user,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db

# 2026-07-01 01:30 in Shanghai: the recorded time is shown in local time.
RECORDED_AT = datetime.datetime(2026, 6, 30, 17, 30, tzinfo=datetime.UTC)


def _adjustment(name, kind, **fields) -> Adjustment:
    fields.setdefault("reason", f"理由{name}")
    entity = EntityFactory(name=name)
    with time_machine.travel(RECORDED_AT, tick=False):  # the ledger is append-only
        return Adjustment.objects.create(
            entity=entity, kind=kind, effective_date=datetime.date(2026, 6, 30), **fields
        )


def _html(cell) -> str:
    """A cell as a browser reads its whitespace: the cell templates end in a newline, and one
    comes mid-cell where the cadre link is included."""
    return " ".join(str(cell).split())


def test_the_rows_it_builds_are_the_cells_its_columns_render():
    # given adjustments through each branch of the cells: one cadre on both sides, a cadre
    # leaving, a cadre taking over, none (a regrade, from no grade and from one), a transfer;
    # recorded by the system, by a user with a name and by one without
    a = CadreFactory(name="干部<甲>", level=Level.VILLAGE)
    b = CadreFactory(name="干部乙", level=Level.TOWNSHIP)
    named = office_user(county(), first_name="小明", last_name="王")  # shown "小明 王"
    unnamed = office_user(county(), username="clerk7")
    _adjustment("同一人", AdjustmentKind.ESCALATE, from_cadre=a, to_cadre=a, created_by=named)
    _adjustment("离岗店", AdjustmentKind.CADRE_LEFT, from_cadre=a)
    _adjustment("片区店", AdjustmentKind.ZONE_ASSIGN, to_cadre=b, zone=ZoneFactory(name="片区&一"))
    _adjustment("新评店", AdjustmentKind.REGRADE, new_grade=Grade.C, created_by=unnamed)
    _adjustment("升级店", AdjustmentKind.REGRADE, old_grade=Grade.B, new_grade=Grade.A, reason="")
    _adjustment("转交店", AdjustmentKind.TRANSFER, from_cadre=a, to_cadre=b, created_by=named)
    # and the ledger asked for page 2 of another cadre's rows, since a date
    request = RequestFactory().get(
        "/adjustments/", {"kind": "", "page": "2", "cadre": "999", "date_from": "2026-01-01"}
    )
    request.user = admin_user()
    table = AdjustmentTable(list(adjustment_list(user=request.user)), user=request.user)
    RequestConfig(request, paginate=False).configure(table)
    # when the table builds its rows
    built = [tuple(_html(cell) for cell in row.cells) for row in table.body()]
    # then they are django-tables2's cells, column by column, row by row
    expected = [tuple(_html(cell) for cell in BoundRow(r, table=table)) for r in table.data]
    assert len(built) == 6
    assert built == expected
    assert [len(row) for row in built] == [len(table.columns)] * 6
    # and the cells say what the user reads: the cadre link keeps the filters but the page and
    # narrows to that cadre, the recorded time is Shanghai's, the system is named in Chinese
    cells = {row[2].split("</a>")[0].rsplit(">", 1)[1]: row for row in built}
    link = f'<a href="?kind=&amp;cadre={a.pk}&amp;date_from=2026-01-01" title="只看该干部">'
    assert cells["同一人"][3] == f'{link}干部&lt;甲&gt;</a> <span class="muted">村级</span>'
    assert cells["离岗店"][3].endswith("</span> → —")
    assert cells["片区店"][3].startswith("— → <a") and cells["片区店"][4] == "片区&一"
    assert (cells["新评店"][5], cells["升级店"][5], cells["转交店"][5]) == ("— → C", "B → A", "")
    assert cells["升级店"][6] == "—"
    assert cells["离岗店"][7] == '系统<br><span class="muted">2026-07-01 01:30</span>'
    assert cells["同一人"][7].startswith("小明 王<br>") and cells["新评店"][7].startswith(
        "clerk7<br>"
    )
