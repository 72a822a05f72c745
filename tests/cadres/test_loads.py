"""The cadres' loads (cadres.loads) counted by the paths the random walk does not take: a
spreadsheet import of cadres, and the marks a recount leaves."""

import pytest

from baobao.models import Level
from cadres import loads
from cadres.models import CadreLoad
from cadres.services.imports import cadres_import_bulk
from tests.factories import AssignmentFactory, CadreFactory, next_mobile, village

pytestmark = pytest.mark.django_db


def test_imported_cadres_are_counted_idle_in_post():
    cadres_import_bulk(
        creates=[
            {
                "name": f"导入干部{n}",
                "division": village(),
                "phone": next_mobile(700_000 + n),
                "aides": [],
            }
            for n in range(3)
        ],
        changes=[],
        by=None,
        batch_size=2,
    )
    assert CadreLoad.objects.filter(in_post=True, load=0, level=Level.VILLAGE).count() == 3
    assert loads.kept() == loads.recount() and not loads.marks_recounted()


def test_a_holder_s_load_follows_their_holdings():
    cadre = CadreFactory(level=Level.VILLAGE)
    assert CadreLoad.objects.get(cadre=cadre).load == 0
    for _ in range(3):
        AssignmentFactory(cadre=cadre)
    assert CadreLoad.objects.get(cadre=cadre).load == 3
    assert loads.kept() == loads.recount() == {(village().pk, Level.VILLAGE, 3): 1}
