"""The two office ledgers build their rows themselves (``VisitTable.body``, ``IssueTable.body``)
for the lean template: each cell must be what its column renders through django-tables2, and an
overdue issue's row keep its class."""

import datetime

import pytest
from django_tables2.rows import BoundRow

from inspections.models import ActorKind, CheckResult, IssueStatus, VisitCheck
from inspections.selectors import issue_ledger, visit_ledger
from inspections.tables import IssueTable, VisitTable
from inspections.views.office import _with_problem_count
from tests.factories import (
    AssignmentFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    admin_user,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
AT = datetime.datetime(2026, 11, 19, 17, 30, tzinfo=datetime.UTC)  # 11-20 01:30 in Shanghai


def _cells(table) -> tuple[list, list]:
    """(the rows body() builds, django-tables2's rows of the same records), as text."""
    built = [tuple(str(cell) for cell in row.cells) for row in table.body()]
    expected = [tuple(str(cell) for cell in BoundRow(r, table=table)) for r in table.data]
    return built, expected


def test_the_visit_rows_it_builds_are_the_cells_its_columns_render():
    # given a visit on site with a problem and long findings, logged by an office user with a
    # name, and one not on site with no problem and no findings, logged by the cadre's login
    on_site = VisitFactory(
        assignment=AssignmentFactory(entity=EntityFactory(name="店<一>")),
        visited_at=AT,
        findings="后厨地面油污，消毒柜未通电，冷库温度记录缺失三天，留样不足，员工健康证两人过期未换",
        logged_by=office_user(county(), first_name="小红", last_name="李"),  # shown "小红 李"
    )
    VisitCheck.objects.create(
        visit=on_site, area="on_site", text="地面", result=CheckResult.PROBLEM
    )
    VisitCheck.objects.create(visit=on_site, area="on_site", text="证照", result=CheckResult.PASS)
    VisitFactory(visited_at=AT + datetime.timedelta(days=1), on_site=False, findings="")
    table = VisitTable(list(_with_problem_count(visit_ledger(user=admin_user()))))
    # when the table builds its rows, then they are django-tables2's cells
    built, expected = _cells(table)
    assert len(built) == 2
    assert built == expected
    assert [len(row) for row in built] == [len(table.columns)] * 2
    # and they show what the user reads: the on-site mark, the problems, the excerpt
    away, there = built
    assert (there[6], away[6]) == ('<span class="true">✔</span>', '<span class="false">✘</span>')
    assert (there[7], away[7], away[8]) == ("1", "—", "—")
    assert there[5] == "小红 李" and there[8].startswith("后厨地面油污") and len(there[8]) == 40
    assert there[1].endswith(">店&lt;一&gt;</a>")
    # and the time of the visit is Shanghai's, as on the visit's page
    assert there[0].endswith(">2026-11-20 01:30</a>")


def test_the_issue_rows_it_builds_are_the_cells_its_columns_render():
    # given an overdue issue with a named actor, one in time, and one closed past its deadline
    IssueFactory(
        entity=EntityFactory(name="逾期&店"),
        deadline=TODAY - datetime.timedelta(days=3),
        category="licence",
        severity="serious",
        actor_kind=ActorKind.DEPARTMENT,
        actor_name="城管局",
        created_at=AT,
    )
    IssueFactory(deadline=TODAY + datetime.timedelta(days=5), created_at=AT)
    IssueFactory(
        deadline=TODAY - datetime.timedelta(days=9),
        status=IssueStatus.CLOSED,
        closed_at=AT,
        created_at=AT,
    )
    table = IssueTable(list(issue_ledger(user=admin_user(), today=TODAY)))
    # when the table builds its rows, then they are django-tables2's cells
    built, expected = _cells(table)
    assert len(built) == 3
    assert built == expected
    assert [len(row) for row in built] == [len(table.columns)] * 3
    # and only the overdue row is marked, as django-tables2 marks it (less its even/odd class,
    # which nothing styles)
    classes = [row.css_class for row in table.body()]
    stock = [BoundRow(r, table=table).attrs["class"].split() for r in table.data]
    assert classes == [" ".join(c for c in row if c not in ("even", "odd")) for row in stock]
    assert sorted(classes) == ["", "", "overdue"]
    late = built[classes.index("overdue")]
    assert late[6] == '<strong class="bad">3</strong>'
    assert late[7] == "其他部门 · 城管局"
    assert {row[6] for row in built if row is not late} == {"—"}
    # and the day it was raised is Shanghai's
    assert all(row[0].endswith(">2026-11-20</a>") for row in built)
