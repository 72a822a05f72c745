"""The hand-counted area both the dashboard and the report tests read (no tests here).

Today is 2026-05-20 (2026Q2); 2026Q1 has ended and is settled. Under 碧江区:

环北街道 (village 金滩社区)                       川硐街道 (village 川硐社区)
  e1 C, township cadre, visits Q1 + Q2             e6 A, city cadre, visit Q2
  e2 D, village cadre, visit Q1                    e7 D, village cadre who left, no visit
  e3 D, the city cadre (escalated), no visit       e8 D, closed, never held
  e4 B, unheld
Issues: i1 on e1 raised 02-10, closed 02-20; i2 on e2 raised 02-10, deadline 03-01, open;
i3 on e6 raised 05-10, rectifying; i4 on e6 raised 05-10, closed 05-14; i5 on e1 raised
2025-01-05 and closed (before the dashboard's issue window). 万山区 has a visited business too.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from baobao.models import Level
from cadres.models import CadreStatus
from inspections.models import IssueStatus
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    county,
    township,
    village,
    wanshan_village,
)

TODAY = datetime.date(2026, 5, 20)
HELD_SINCE = datetime.date(2025, 12, 1)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour))
    )


# The instant the dashboard tests read at: noon of TODAY (the ``today`` fixture stops the clock
# there too).
NOON = at(TODAY.isoformat(), 12)


@dataclass
class Tree:
    county: object
    huanbei: object
    chuandong: object


def _held(entity, cadre, **kwargs):
    return AssignmentFactory(entity=entity, cadre=cadre, start_date=HELD_SINCE, **kwargs)


def _issue(visit, *, raised: str, deadline: str, closed: str | None = None, status=None):
    issue = IssueFactory(
        visit=visit,
        deadline=datetime.date.fromisoformat(deadline),
        status=status or (IssueStatus.CLOSED if closed else IssueStatus.OPEN),
        closed_at=at(closed) if closed else None,
        created_at=at(raised),
    )
    return issue


def build_tree() -> Tree:
    huanbei_village = village()
    huanbei = huanbei_village.parent
    chuandong = township(code="520602002000", name="川硐街道")
    chuandong_village = village(code="520602002001", name="川硐社区", township_division=chuandong)

    city_cadre = CadreFactory(level=Level.CITY)
    township_cadre = CadreFactory(level=Level.TOWNSHIP)
    village_cadre = CadreFactory(level=Level.VILLAGE)
    left_cadre = CadreFactory(
        division=chuandong_village, status=CadreStatus.LEFT, left_on=datetime.date(2026, 4, 1)
    )

    e1 = _held(EntityFactory(division=huanbei_village, grade="C"), township_cadre)
    e2 = _held(EntityFactory(division=huanbei_village, grade="D"), village_cadre)
    _held(
        EntityFactory(division=huanbei_village, grade="D"),
        city_cadre,
        escalated=True,
        escalation_reason="风险较高",
    )
    EntityFactory(division=huanbei_village, grade="B")
    e6 = _held(EntityFactory(division=chuandong_village, grade="A"), city_cadre)
    _held(EntityFactory(division=chuandong_village, grade="D"), left_cadre)
    EntityFactory(division=chuandong_village, grade="D", status="closed")

    v1 = VisitFactory(assignment=e1, visited_at=at("2026-02-10"))
    VisitFactory(assignment=e1, visited_at=at("2026-05-10"))
    v2 = VisitFactory(assignment=e2, visited_at=at("2026-02-10"))
    v6 = VisitFactory(assignment=e6, visited_at=at("2026-05-10"))

    _issue(v1, raised="2026-02-10", deadline="2026-02-25", closed="2026-02-20")
    _issue(v2, raised="2026-02-10", deadline="2026-03-01")
    _issue(v6, raised="2026-05-10", deadline="2026-06-01", status=IssueStatus.RECTIFYING)
    _issue(v6, raised="2026-05-10", deadline="2026-06-01", closed="2026-05-14")
    _issue(v1, raised="2025-01-05", deadline="2025-01-20", closed="2025-01-10")

    outside = AssignmentFactory(
        entity=EntityFactory(division=wanshan_village()), start_date=HELD_SINCE
    )
    VisitFactory(assignment=outside, visited_at=at("2026-05-10"))
    return Tree(county=county(), huanbei=huanbei, chuandong=chuandong)
