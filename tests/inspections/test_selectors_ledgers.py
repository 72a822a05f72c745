"""Reads for supervision: the two ledgers and their scoping, an entity's recent quarters, and constant query counts."""

import datetime

import pytest
from django.test import RequestFactory

from baobao.models import Level
from entities.models import Grade
from inspections.filters import IssueFilter, VisitFilter
from inspections.models import ActorKind, Issue, IssueCategory, IssueSeverity, IssueStatus
from inspections.selectors import (
    due_entities,
    entity_quarter_status,
    issue_ledger,
    visit_ledger,
)
from tests.factories import (
    CadreFactory,
    EntityFactory,
    UserFactory,
    cadre_user,
    county,
    office_user,
    township,
    wanshan_village,
)
from tests.inspections.selectors_support import AFTER_Q2, Q2, at, held, visit

pytestmark = pytest.mark.django_db


# --- the ledgers ----------------------------------------------------------------------------


def _request(user, today):
    request = RequestFactory().get("/")
    request.user = user
    request.today = today  # as baobao.clock.ClockMiddleware sets it
    return request


def _filters(cls, user, today=datetime.date(2026, 11, 24), **data):
    return cls(data, request=_request(user, today))


def _issue(entity, visit_=None, *, status=IssueStatus.OPEN, deadline, user=None):
    return Issue.objects.create(
        entity=entity,
        visit=visit_,
        category=IssueCategory.HYGIENE,
        severity=IssueSeverity.GENERAL,
        description="后厨地面油污",
        deadline=deadline,
        actor_kind=ActorKind.BUSINESS,
        status=status,
        closed_at=at(2026, 6, 1, 10, 0) if status == IssueStatus.CLOSED else None,
        raised_by=user or UserFactory(),
    )


def _ledger_world():
    mine = CadreFactory(level=Level.VILLAGE)
    other = CadreFactory(level=Level.VILLAGE)
    far_cadre = CadreFactory(division=wanshan_village())
    e1 = held(EntityFactory(grade=Grade.D), mine).entity
    e2 = held(EntityFactory(grade=Grade.C), other).entity
    far = held(EntityFactory(division=wanshan_village()), far_cadre).entity
    return {
        "mine": mine,
        "other": other,
        "far_cadre": far_cadre,
        "v_q2": visit(e1, mine, at(2026, 5, 1, 10, 0)),
        "v_q3": visit(e1, mine, at(2026, 8, 1, 10, 0)),
        "v_other": visit(e2, other, at(2026, 5, 2, 10, 0)),
        "v_far": visit(far, far_cadre, at(2026, 5, 3, 10, 0)),
    }


def test_a_county_office_sees_only_its_countys_visits():
    world = _ledger_world()
    found = set(visit_ledger(user=office_user(county())))
    assert found == {world["v_q2"], world["v_q3"], world["v_other"]}


def test_a_cadre_sees_only_their_own_visits():
    world = _ledger_world()
    found = set(visit_ledger(user=cadre_user(world["mine"])))
    assert found == {world["v_q2"], world["v_q3"]}


def test_visit_ledger_filters_by_quarter_cadre_grade_and_division():
    world = _ledger_world()
    user = office_user(county())

    def ledger(**data):
        return set(visit_ledger(user=user, filters=_filters(VisitFilter, user, **data)))

    assert ledger(quarter="2026Q2") == {world["v_q2"], world["v_other"]}
    assert ledger(cadre=world["other"].pk) == {world["v_other"]}
    assert ledger(grade="D") == {world["v_q2"], world["v_q3"]}
    assert ledger(division=township().pk) == {world["v_q2"], world["v_q3"], world["v_other"]}
    assert ledger(division=township(code="520602002000", name="另一街道").pk) == set()


def test_visit_ledger_refuses_a_bad_quarter_and_a_cadre_outside_the_scope():
    world = _ledger_world()
    user = office_user(county())
    bad_quarter = _filters(VisitFilter, user, quarter="2026Q9")
    foreign = _filters(VisitFilter, user, cadre=world["far_cadre"].pk)
    assert list(visit_ledger(user=user, filters=bad_quarter)) == []
    assert bad_quarter.form.errors.as_data()["quarter"][0].code == "bad_quarter"
    assert bad_quarter.form.has_error("quarter", code="bad_quarter")
    assert list(visit_ledger(user=user, filters=foreign)) == []
    assert foreign.form.has_error("cadre", code="invalid_choice")


def test_issue_ledger_marks_overdue_and_filters_by_status_and_overdue():
    # given issues: open past deadline, rectifying due later, closed past deadline; and one in
    # 万山区
    world = _ledger_world()
    today = datetime.date(2026, 11, 24)
    v = world["v_q2"]
    late = _issue(v.entity, v, deadline=datetime.date(2026, 11, 20))
    later = _issue(v.entity, v, status=IssueStatus.RECTIFYING, deadline=datetime.date(2026, 12, 1))
    closed = _issue(v.entity, v, status=IssueStatus.CLOSED, deadline=datetime.date(2026, 6, 1))
    _issue(world["v_far"].entity, world["v_far"], deadline=datetime.date(2026, 6, 1))
    user = office_user(county())
    # when the county reads the issues ledger
    rows = {i.pk: (i.overdue, i.days_overdue) for i in issue_ledger(user=user, today=today)}
    # then only the open past-deadline issue is overdue, by 4 days; the 万山区 one is not listed
    assert rows == {late.pk: (True, 4), later.pk: (False, 0), closed.pk: (False, 0)}

    def ledger(**data):
        filters = _filters(IssueFilter, user, today, **data)
        return {i.pk for i in issue_ledger(user=user, filters=filters, today=today)}

    assert ledger(status="rectifying") == {later.pk}
    assert ledger(overdue="yes") == {late.pk}
    assert ledger(overdue="no") == {later.pk, closed.pk}
    assert ledger(quarter="2026Q2", cadre=world["mine"].pk) == {late.pk, later.pk, closed.pk}
    assert ledger(quarter="2026Q3") == set()


def test_a_cadre_sees_only_issues_of_their_visits_or_holdings():
    world = _ledger_world()
    mine = _issue(world["v_q2"].entity, world["v_q2"], deadline=datetime.date(2026, 12, 1))
    _issue(world["v_other"].entity, world["v_other"], deadline=datetime.date(2026, 12, 1))
    found = {
        i.pk
        for i in issue_ledger(user=cadre_user(world["mine"]), today=datetime.date(2026, 11, 24))
    }
    assert found == {mine.pk}


@pytest.mark.parametrize("rows", [3, 30])
def test_ledgers_take_a_constant_number_of_queries(rows, django_assert_num_queries):
    # given a county with ``rows`` visits, each with an issue
    cadre = CadreFactory(level=Level.VILLAGE)
    logger = UserFactory()
    for _ in range(rows):
        v = visit(held(EntityFactory(), cadre).entity, cadre, at(2026, 5, 1, 10, 0), logger)
        _issue(v.entity, v, deadline=datetime.date(2026, 6, 1), user=logger)
    bijiang = county()
    user = office_user(bijiang)
    # when both ledgers are read, filtered, with every column the table shows
    with django_assert_num_queries(3):  # division chooser + cadre check + rows, per ledger
        visits = [
            (v.entity.name, v.entity.division.name, v.cadre.name, v.logged_by.username)
            for v in visit_ledger(
                user=user,
                filters=_filters(
                    VisitFilter, user, quarter="2026Q2", cadre=cadre.pk, division=bijiang.pk
                ),
            )
        ]
    with django_assert_num_queries(2):  # cadre check + rows
        issues = [
            (i.entity.division.name, i.visit.cadre.name, i.raised_by.username, i.overdue)
            for i in issue_ledger(
                user=user,
                filters=_filters(IssueFilter, user, cadre=cadre.pk),
                today=datetime.date(2026, 11, 24),
            )
        ]
    # then every row came back
    assert len(visits) == len(issues) == rows


# --- an entity's recent quarters -----------------------------------------------------------


def test_entity_quarter_status_lists_the_recent_quarters(django_assert_num_queries):
    # given a business held since 1 May 2026, visited twice in Q3 and not yet in Q4
    cadre = CadreFactory(level=Level.VILLAGE)
    entity = held(EntityFactory(), cadre, start=datetime.date(2026, 5, 1)).entity
    visit(entity, cadre, at(2026, 7, 10, 10, 0))
    visit(entity, cadre, at(2026, 9, 10, 10, 0))
    # when its last four quarters are read on 24 November
    with django_assert_num_queries(2):
        status = entity_quarter_status(entity=entity, today=datetime.date(2026, 11, 24))
    # then Q4 is due and open, Q3 done twice, Q2 due and missed, Q1 not due
    assert [(str(s["quarter"]), s["due"], s["visited"], s["visits"]) for s in status] == [
        ("2026Q4", True, False, 0),
        ("2026Q3", True, True, 2),
        ("2026Q2", True, False, 0),
        ("2026Q1", False, False, 0),
    ]


def test_a_transfer_on_the_quarters_last_day_belongs_to_the_new_holder():
    # given a holding that ends on 30 June (end exclusive) and the next one starting that day
    a, b = CadreFactory(level=Level.VILLAGE), CadreFactory(level=Level.VILLAGE)
    entity = EntityFactory()
    held(entity, a, end=Q2.last_day)
    held(entity, b, start=Q2.last_day)
    # then Q2 is judged on 30 June: B's, not A's
    assert list(due_entities(cadre=a, quarter=Q2, today=AFTER_Q2)) == []
    assert list(due_entities(cadre=b, quarter=Q2, today=AFTER_Q2)) == [entity]
