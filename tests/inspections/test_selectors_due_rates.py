"""Reads for supervision: due lists at the quarter's edges, and rates."""

import datetime

import pytest

from baobao.models import Level
from entities.models import Entity, EntityStatus, Grade
from inspections.quarters import Quarter
from inspections.selectors import (
    cadre_rate,
    due_entities,
    rates_by_child_division,
    rates_by_grade,
    rates_by_level,
    supervision_rate,
)
from tests.factories import (
    CadreFactory,
    EntityFactory,
    county,
    office_user,
    township,
    village,
    wanshan_village,
)
from tests.inspections.selectors_support import AFTER_Q2, Q2, at, held, visit

pytestmark = pytest.mark.django_db


IN_Q2 = datetime.date(2026, 5, 31)


def names(qs) -> list[str]:
    return [e.name for e in qs]


# --- the due list ---------------------------------------------------------------------------


def test_due_list_puts_unvisited_first_and_marks_what_was_visited():
    # given a village cadre holding three businesses, one visited in Q2
    cadre = CadreFactory(level=Level.VILLAGE)
    a, *_ = [held(EntityFactory(name=n), cadre).entity for n in ("甲店", "乙店", "丙店")]
    visit(a, cadre, at(2026, 5, 3, 10, 0))
    # when the Q2 due list is read after the quarter
    due = list(due_entities(cadre=cadre, quarter=Q2, today=AFTER_Q2))
    # then the two not visited come first, by name, and the visited one last with its time
    assert [e.name for e in due] == ["丙店", "乙店", "甲店"]
    assert [e.visited for e in due] == [False, False, True]
    assert due[2].last_visit_at == at(2026, 5, 3, 10, 0)
    assert due[0].last_visit_at is None


def test_a_visit_in_the_last_second_of_the_quarter_counts_and_one_a_second_later_does_not():
    # given two businesses, one visited at 23:59:59 on 30 June, the other at 00:00 on 1 July
    cadre = CadreFactory(level=Level.VILLAGE)
    last_second = held(EntityFactory(name="甲店"), cadre).entity
    too_late = held(EntityFactory(name="乙店"), cadre).entity
    visit(last_second, cadre, at(2026, 6, 30, 23, 59, 59))
    visit(too_late, cadre, at(2026, 7, 1, 0, 0, 0))
    # when Q2's list is read
    due = {e.name: e.visited for e in due_entities(cadre=cadre, quarter=Q2, today=AFTER_Q2)}
    # then only the first counts for Q2
    assert due == {"甲店": True, "乙店": False}


def test_a_business_closed_mid_quarter_is_not_due_that_quarter_but_was_due_before():
    # given a business whose holding ended on 15 May when it closed
    cadre = CadreFactory(level=Level.VILLAGE)
    closed = EntityFactory(name="关店", status=EntityStatus.CLOSED)
    held(closed, cadre, end=datetime.date(2026, 5, 15))
    open_one = held(EntityFactory(name="开店"), cadre).entity
    # when Q2 and Q1 are read
    q2 = names(due_entities(cadre=cadre, quarter=Q2, today=AFTER_Q2))
    q1 = names(due_entities(cadre=cadre, quarter=Quarter(2026, 1), today=AFTER_Q2))
    # then it left Q2's list, and Q1 (it was open then) still counts it
    assert q2 == [open_one.name]
    assert sorted(q1) == sorted([open_one.name, closed.name])


def test_a_closed_business_still_held_is_not_due_in_the_current_quarter():
    cadre = CadreFactory(level=Level.VILLAGE)
    held(EntityFactory(name="关店", status=EntityStatus.CLOSED), cadre)
    held(EntityFactory(name="开店"), cadre)
    due = names(due_entities(cadre=cadre, quarter=Q2, today=datetime.date(2026, 5, 20)))
    assert due == ["开店"]


def test_a_transfer_mid_quarter_makes_it_due_for_the_new_holder_and_keeps_the_old_visit():
    # given a business held by A until 10 May, then by B; A visited it on 20 April
    a, b = CadreFactory(level=Level.VILLAGE), CadreFactory(level=Level.VILLAGE)
    entity = EntityFactory(name="转店")
    held(entity, a, end=datetime.date(2026, 5, 10))
    held(entity, b, start=datetime.date(2026, 5, 10))
    visit(entity, a, at(2026, 4, 20, 9, 30))
    # when both lists for Q2 are read
    for_a = list(due_entities(cadre=a, quarter=Q2, today=AFTER_Q2))
    for_b = list(due_entities(cadre=b, quarter=Q2, today=AFTER_Q2))
    # then only B has it, already visited
    assert for_a == []
    assert [(e.pk, e.visited) for e in for_b] == [(entity.pk, True)]


def test_a_business_registered_mid_quarter_is_due_that_quarter_only_from_then():
    # given a holding that starts on 1 June
    cadre = CadreFactory(level=Level.VILLAGE)
    entity = held(EntityFactory(name="新店"), cadre, start=datetime.date(2026, 6, 1)).entity
    # then it is due in Q2, not in Q1, and in the current quarter not before it starts
    assert names(due_entities(cadre=cadre, quarter=Q2, today=AFTER_Q2)) == [entity.name]
    assert names(due_entities(cadre=cadre, quarter=Quarter(2026, 1), today=AFTER_Q2)) == []
    assert names(due_entities(cadre=cadre, quarter=Q2, today=datetime.date(2026, 5, 31))) == []


def test_the_due_list_is_one_query(django_assert_num_queries):
    cadre = CadreFactory(level=Level.VILLAGE)
    for n in range(5):
        entity = held(EntityFactory(), cadre).entity
        if n % 2:
            visit(entity, cadre, at(2026, 5, 3, 10, 0))
    with django_assert_num_queries(1):
        due = [
            (e.division.name, e.visited) for e in due_entities(cadre=cadre, quarter=Q2, today=IN_Q2)
        ]
    assert len(due) == 5


# --- rates ----------------------------------------------------------------------------------


def test_cadre_rate_counts_visited_over_due():
    # given three due businesses, two visited (one twice), and one not held
    cadre = CadreFactory(level=Level.VILLAGE)
    a, b, _c = (held(EntityFactory(), cadre).entity for _ in range(3))
    visit(a, cadre, at(2026, 4, 2, 10, 0))
    visit(a, cadre, at(2026, 5, 2, 10, 0))
    visit(b, cadre, at(2026, 6, 2, 10, 0))
    EntityFactory()
    # when the cadre's rate is read
    rate = cadre_rate(cadre=cadre, quarter=Q2, today=AFTER_Q2)
    # then it is 2 of 3
    assert rate == {"due": 3, "visited": 2, "rate": pytest.approx(2 / 3)}


def test_rate_is_none_when_nothing_is_due():
    cadre = CadreFactory(level=Level.VILLAGE)
    assert cadre_rate(cadre=cadre, quarter=Q2, today=AFTER_Q2) == {
        "due": 0,
        "visited": 0,
        "rate": None,
    }


def _two_townships():
    """碧江区 with 环北街道 (3 due, 2 visited, 1 closed before Q2) and 另一街道 (2 due, 0 visited);
    万山区 has one visited business that must not count."""
    bijiang = county()
    other = township(code="520602002000", name="另一街道")
    other_village = village(code="520602002001", name="另一社区", township_division=other)
    cadre = CadreFactory(level=Level.VILLAGE)
    in_huanbei = [held(EntityFactory(division=village()), cadre).entity for _ in range(3)]
    visit(in_huanbei[0], cadre, at(2026, 4, 8, 10, 0))
    visit(in_huanbei[1], cadre, at(2026, 6, 8, 15, 0))
    closed = EntityFactory(division=village(), status=EntityStatus.CLOSED)
    held(closed, cadre, end=datetime.date(2026, 3, 20))
    for _ in range(2):
        held(EntityFactory(division=other_village), cadre)
    far = held(EntityFactory(division=wanshan_village()), CadreFactory(level=Level.VILLAGE))
    visit(far.entity, far.cadre, at(2026, 5, 8, 10, 0))
    return bijiang


def test_rates_by_child_division_are_hand_counted_per_township(django_assert_num_queries):
    # given two townships of 碧江区 with known figures
    bijiang = _two_townships()
    user = office_user(bijiang)
    # when the county's rates per township are read (children + one grouped query)
    with django_assert_num_queries(2):
        rows = rates_by_child_division(user=user, division=bijiang, quarter=Q2, today=AFTER_Q2)
    # then each township has its own figures, in code order
    assert [(r["division"].name, r["due"], r["visited"]) for r in rows] == [
        ("环北街道", 3, 2),
        ("另一街道", 2, 0),
    ]
    assert rows[0]["rate"] == pytest.approx(2 / 3)
    assert rows[1]["rate"] == 0


def test_rates_by_child_division_show_nothing_outside_the_users_scope():
    # given a 万山区 office asking for 碧江区
    bijiang = _two_townships()
    user = office_user(wanshan_village().parent.parent)
    rows = rates_by_child_division(user=user, division=bijiang, quarter=Q2, today=AFTER_Q2)
    # then it sees no township and no figures
    assert rows == []


def test_supervision_rate_of_a_scoped_subtree():
    bijiang = _two_townships()
    user = office_user(bijiang)
    rate = supervision_rate(entities=Entity.objects.for_user(user), quarter=Q2, today=AFTER_Q2)
    assert rate == {"due": 5, "visited": 2, "rate": pytest.approx(0.4)}


def test_rates_by_level_follow_the_holder_on_the_reference_day():
    # given a B business held by a county cadre (visited) and two D businesses held by a
    # village cadre (one visited)
    county_cadre = CadreFactory(level=Level.COUNTY)
    village_cadre = CadreFactory(level=Level.VILLAGE)
    b = held(EntityFactory(grade=Grade.B), county_cadre).entity
    d1 = held(EntityFactory(grade=Grade.D), village_cadre).entity
    held(EntityFactory(grade=Grade.D), village_cadre)
    # and a D business escalated to the county cadre only from 1 July (after Q2)
    escalated = EntityFactory(grade=Grade.D)
    held(escalated, village_cadre, end=datetime.date(2026, 7, 1))
    held(escalated, county_cadre, start=datetime.date(2026, 7, 1))
    visit(b, county_cadre, at(2026, 5, 1, 10, 0))
    visit(d1, village_cadre, at(2026, 5, 1, 11, 0))
    # when Q2 is grouped by level and by grade
    by_level = rates_by_level(entities=Entity.objects.all(), quarter=Q2, today=AFTER_Q2)
    by_grade = rates_by_grade(entities=Entity.objects.all(), quarter=Q2, today=AFTER_Q2)
    # then the escalated one counts at village level (its holder on 30 June)
    assert [(r["level"], r["due"], r["visited"]) for r in by_level] == [
        (Level.COUNTY, 1, 1),
        (Level.VILLAGE, 3, 1),
    ]
    assert [(r["grade"], r["due"], r["visited"]) for r in by_grade] == [("B", 1, 1), ("D", 3, 1)]
    assert by_grade[1]["rate"] == pytest.approx(1 / 3)
