"""The business table builds its rows itself (``EntityTable.body``) for the lean template: each
cell must be what the column would render through django-tables2."""

import datetime

import pytest

from baobao.models import Level
from cadres.models import CadreStatus
from entities.models import BusinessType, Entity, EntityStatus, Grade
from entities.selectors import current_holding_prefetch
from entities.tables import EntityTable
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def test_the_rows_it_builds_are_the_cells_its_columns_render():
    # given businesses with and without a credit code, a zone, a holder (escalated, or gone)
    EntityFactory(name="无码<小摊>", uscc="", business_type=BusinessType.STALL)
    EntityFactory(name="片区店", zone=ZoneFactory(), status=EntityStatus.SUSPENDED)
    AssignmentFactory(entity=EntityFactory(name="有人管", grade=Grade.C))
    AssignmentFactory(
        entity=EntityFactory(name="提级店", grade=Grade.C),
        cadre=CadreFactory(level=Level.COUNTY),
        escalated=True,
        escalation_reason="学校周边",
    )
    gone = AssignmentFactory(entity=EntityFactory(name="人走了", grade=Grade.D))
    gone.cadre.status, gone.cadre.left_on = CadreStatus.LEFT, datetime.date(2026, 6, 30)
    gone.cadre.save()
    entities = list(
        Entity.objects.select_related("division", "zone")
        .prefetch_related(current_holding_prefetch())
        .order_by("name", "id")
    )
    table = EntityTable(entities)
    # then the built rows equal django-tables2's cells, column by column, row by row
    expected = [tuple(str(cell) for cell in row) for row in table.rows]
    built = [tuple(str(cell) for cell in row.cells) for row in table.body()]
    assert len(built) == 5
    assert built == expected
    assert [len(row) for row in built] == [len(table.columns)] * 5
    # and the grade badge carries the stored letter, the class the stylesheet colours (the
    # column once got the Chinese label, "D级", from django-tables2)
    assert {row[2] for row in built} >= {'<span class="badge grade-D">D</span>'}


def test_a_page_that_leaves_a_column_out_gets_the_other_cells_under_their_headers():
    # given the zone page's table, without the zone column
    zone = ZoneFactory(name="河滨片区")
    EntityFactory(name="片区店", zone=zone)
    entities = list(
        Entity.objects.select_related("division", "zone")
        .prefetch_related(current_holding_prefetch())
        .order_by("name", "id")
    )
    table = EntityTable(entities, exclude=("zone",))
    # then each row has a cell per header, the zone's name in none of them
    [(_tr, cells)] = table.lean_rows()
    assert cells.count("<td") == len(table.columns) == 7
    assert "河滨片区" not in cells and "片区店" in cells
