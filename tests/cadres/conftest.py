"""Fixtures shared by the test modules of this directory."""

import pytest

from baobao.models import Level
from cadres.services import cadre_leave
from entities.models import EntityStatus, Grade
from entities.services import entity_regrade
from tests.cadres.selectors_overview_support import hold
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    county,
    office_user,
    second_village,
    wanshan_village,
)


@pytest.fixture
def office():
    return office_user(county())


@pytest.fixture
def gaps():
    """碧江区 with one business of each coverage case, and a gap in 万山区 that must not show."""
    unheld = EntityFactory(name="无人包保小卖部", grade=Grade.D)
    suspended = EntityFactory(name="停业整顿餐馆", grade=Grade.C, status=EntityStatus.SUSPENDED)
    EntityFactory(name="已注销小吃店", status=EntityStatus.CLOSED)
    held = AssignmentFactory(entity=EntityFactory(name="正常包保超市"))
    leaver = CadreFactory(name="离岗干部", level=Level.VILLAGE)
    left_holdings = [AssignmentFactory(cadre=leaver) for _ in range(2)]
    cadre_leave(cadre=leaver, reason="调离", by=None)
    regraded = AssignmentFactory(entity=EntityFactory(name="升级为C级的餐馆", grade=Grade.D))
    entity_regrade(entity=regraded.entity, new_grade=Grade.C, reason="规模扩大", by=None)
    EntityFactory(name="万山未包保店", division=wanshan_village())
    return {
        "unheld": unheld,
        "suspended": suspended,
        "held": held,
        "leaver": leaver,
        "left_holdings": left_holdings,
        "regraded": regraded,
    }


@pytest.fixture
def loads():
    """碧江区's cadres in post with hand-counted loads, a leaver, and 万山区's busy cadre.

    village level: 0 1 2 2 9 under 环北街道, 5 under 川硐街道 → min 0, median 2, max 9
    township level: 3 4 under 环北街道 → median 3.5
    county level: 1 (碧江区 itself)
    """
    cadres = {}
    for n in (0, 1, 2, 2, 9):
        cadres[f"v{n}"] = c = CadreFactory(name=f"村干部{n}", level=Level.VILLAGE)
        hold(c, n)
    cadres["v5"] = c = CadreFactory(name="川硐村干部", division=second_village())
    hold(c, 5, division=second_village())
    for n in (3, 4):
        cadres[f"t{n}"] = c = CadreFactory(name=f"乡镇干部{n}", level=Level.TOWNSHIP)
        hold(c, n, grade=Grade.C)
    cadres["c1"] = c = CadreFactory(name="县级干部", level=Level.COUNTY)
    hold(c, 1, grade=Grade.B)
    left = CadreFactory(name="离岗无包保", level=Level.VILLAGE)
    cadre_leave(cadre=left, reason="调离", by=None)
    busy = CadreFactory(name="万山干部", division=wanshan_village())
    hold(busy, 12, division=wanshan_village())
    return cadres
