import datetime
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind
from enterprises.models import Record
from entities.models import BusinessType, Grade
from inspections.models import CheckResult, IssueStatus, VisitCheck
from ledgers.exports import LEDGERS, export_workbook
from ledgers.selectors import Period, bounded_count, visit_ledger_rows
from public.models import PublicRequest
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    city,
    county,
    office_user,
    village,
    wanshan_village,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zh")]
NOW = timezone.make_aware(datetime.datetime(2026, 5, 20, 10, 0))


def _sheet(user, key, *, division=None, period=None):
    wb = export_workbook(
        user=user,
        keys=[key],
        division=division,
        period=period,
        exported_at=NOW,
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]


def _rows(ws):
    return list(ws.iter_rows(min_row=4, values_only=True))


def _col(ws, name):
    return [c.value for c in ws[3]].index(name)


def test_entities_ledger_columns_and_values():
    # given a held grade-D business in a village of 碧江区
    holding = AssignmentFactory(entity__name="金滩饭店", entity__licence_no="JY152060200001")
    user = office_user(county())
    # when the entities ledger is exported for the county
    ws = _sheet(user, "entities", division=county())
    # then the title names the area and ledger, the period is "as of" the day, one row per business
    assert ws["A1"].value == f"碧江区 {LEDGERS['entities'].name}"
    assert "2026-05-20" in ws["A2"].value
    rows = _rows(ws)
    assert len(rows) == 1
    row = dict(zip([c.value for c in ws[3]], rows[0], strict=True))
    assert row[_("No.")] == 1
    assert (
        row[_("Province")],
        row[_("City")],
        row[_("County/district")],
        row[_("Township/street")],
        row[_("Village/community")],
    ) == (
        "贵州省",
        "铜仁市",
        "碧江区",
        "环北街道",
        "金滩社区",
    )
    assert row[_("Business name")] == "金滩饭店"
    assert row[_("Unified social credit code")] == holding.entity.uscc
    assert row[_("Risk grade")] == "D"
    assert row[_("Business type")] == str(BusinessType.CATERING.label)
    assert row[_("Responsible cadre")] == holding.cadre.name
    assert row[_("Cadre level")] == Level.VILLAGE.label
    assert row[_("Held since")] == datetime.datetime.combine(holding.start_date, datetime.time())
    assert row[_("Escalated (提级包保)")] == _("No")


def test_unheld_business_shows_an_empty_holder():
    EntityFactory()
    ws = _sheet(office_user(county()), "entities", division=county())
    row = _rows(ws)[0]
    assert row[_col(ws, _("Responsible cadre"))] is None
    assert row[_col(ws, _("Escalated (提级包保)"))] is None


def test_county_export_holds_no_other_county_row():
    # given a business in 碧江区 and one in 万山区
    EntityFactory(name="碧江店", division=village())
    EntityFactory(name="万山店", division=wanshan_village())
    # when a city clerk exports 碧江区, and a 碧江区 clerk exports their whole scope
    city_ws = _sheet(office_user(city()), "entities", division=county())
    county_ws = _sheet(office_user(county()), "entities", division=None)
    # then only 碧江区's business is there
    for ws in (city_ws, county_ws):
        names = [r[_col(ws, _("Business name"))] for r in _rows(ws)]
        assert names == ["碧江店"]


def test_cadres_ledger_counts_holdings_and_lists_aides():
    cadre = CadreFactory(level=Level.COUNTY, name="张县长")
    CadreAideFactory(cadre=cadre, name="李协保", phone="13900000001")
    CadreAideFactory(cadre=cadre, name="王协保", phone="13900000002")
    CadreAideFactory(cadre=cadre, kind="liaison", name="赵联络", phone="13900000003")
    CadreAideFactory(cadre=cadre, name="旧协保", phone="13900000004", is_active=False)
    for _n in range(2):
        AssignmentFactory(cadre=cadre, entity__grade=Grade.B)
    AssignmentFactory(
        cadre=cadre, entity__grade=Grade.C, escalated=True, escalation_reason="风险高"
    )
    cadre.commitment_signed_on = datetime.date(2026, 1, 8)
    cadre.save()
    ws = _sheet(office_user(county()), "cadres", division=county())
    row = dict(zip([c.value for c in ws[3]], _rows(ws)[0], strict=True))
    assert row[_("Cadre name")] == "张县长"
    assert row[_("Cadre level")] == Level.COUNTY.label
    assert row[_("Businesses held")] == 3 and isinstance(row[_("Businesses held")], int)
    assert row[_("Of which escalated")] == 1
    assert row[_("Assistants (协保员)")] == "李协保 13900000001；王协保 13900000002"
    assert row[_("Liaison (联络员)")] == "赵联络 13900000003"
    assert row[_("Commitment letter signed")] == _("Yes")
    assert row[_("Signed on")] == datetime.datetime(2026, 1, 8)


def test_adjustments_ledger_old_and_new_holder_and_period():
    old = AssignmentFactory()
    new_cadre = CadreFactory(name="新干部")
    in_q1 = datetime.date(2026, 2, 3)
    Adjustment.objects.create(
        kind=AdjustmentKind.TRANSFER,
        entity=old.entity,
        from_cadre=old.cadre,
        to_cadre=new_cadre,
        reason="岗位调整",
        effective_date=in_q1,
    )
    Adjustment.objects.create(
        kind=AdjustmentKind.ASSIGN,
        entity=old.entity,
        to_cadre=old.cadre,
        reason="新增",
        effective_date=datetime.date(2025, 12, 31),
    )
    from inspections.quarters import Quarter

    ws = _sheet(office_user(county()), "adjustments", period=Period.of_quarter(Quarter(2026, 1)))
    assert "2026Q1" in ws["A2"].value
    rows = _rows(ws)
    assert len(rows) == 1
    row = dict(zip([c.value for c in ws[3]], rows[0], strict=True))
    assert row[_("Effective date")] == datetime.datetime(2026, 2, 3)
    assert row[_("Kind of adjustment")] == AdjustmentKind.TRANSFER.label
    assert row[_("Previous cadre")] == old.cadre.name
    assert row[_("New cadre")] == "新干部"
    assert row[_("Reason")] == "岗位调整"


def test_visits_ledger_checklist_summary_problems_and_quarter_bounds():
    # given a visit at the last second of Q1 and one at the first second of Q2
    last_q1 = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59, 59))
    first_q2 = timezone.make_aware(datetime.datetime(2026, 4, 1, 0, 0, 0))
    visit = VisitFactory(visited_at=last_q1)
    VisitFactory(visited_at=first_q2)
    VisitCheck.objects.create(visit=visit, area="on_site", text="持证上岗", result=CheckResult.PASS)
    VisitCheck.objects.create(
        visit=visit, area="on_site", text="餐具消毒", result=CheckResult.PROBLEM, note="未消毒"
    )
    VisitCheck.objects.create(visit=visit, area="on_site", text="冷库", result="na")
    IssueFactory(visit=visit)
    from inspections.quarters import Quarter

    # when Q1 is exported
    ws = _sheet(office_user(county()), "visits", period=Period.of_quarter(Quarter(2026, 1)))
    rows = _rows(ws)
    # then only the Q1 visit is there, with its checklist counts and problems
    assert len(rows) == 1
    row = dict(zip([c.value for c in ws[3]], rows[0], strict=True))
    assert row[_("Visit time")] == datetime.datetime(2026, 3, 31, 23, 59, 59)
    assert row[_("Quarter")] == "2026Q1"
    assert (row[_("Checks")], row[_("Passed")], row[_("Problems")], row[_("Not applicable")]) == (
        3,
        1,
        1,
        1,
    )
    assert row[_("Problems found")] == "餐具消毒（未消毒）"
    assert row[_("Issues raised")] == 1


def test_issues_ledger_deadline_status_and_days_overdue():
    with time_machine.travel(NOW - datetime.timedelta(days=40)):
        overdue = IssueFactory(description="地面油污")
    overdue.deadline = datetime.date(2026, 5, 10)
    overdue.save()
    ws = _sheet(office_user(county()), "issues")  # exported on 2026-05-20
    row = dict(zip([c.value for c in ws[3]], _rows(ws)[0], strict=True))
    assert row[_("Description")] == "地面油污"
    assert row[_("Rectification deadline")] == datetime.datetime(2026, 5, 10)
    assert row[_("Issue status")] == IssueStatus.OPEN.label
    assert row[_("Overdue")] == _("Yes")
    assert row[_("Days overdue")] == 10


def test_issues_ledger_period_is_by_date_raised():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 1, 10, 12))):
        IssueFactory(description="一月")
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 2, 10, 12))):
        IssueFactory(description="二月")
    ws = _sheet(
        office_user(county()),
        "issues",
        period=Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31), "2026-01"),
    )
    assert [r[_col(ws, _("Description"))] for r in _rows(ws)] == ["一月"]


def test_exported_text_is_never_a_formula():
    EntityFactory(name='=HYPERLINK("http://x")', address="+86 路")
    ws = _sheet(office_user(county()), "entities")
    name = ws.cell(row=4, column=_col(ws, _("Business name")) + 1)
    assert name.data_type == "s" and name.quotePrefix
    assert name.value == '=HYPERLINK("http://x")'


def test_query_count_does_not_grow_with_rows(django_assert_num_queries):
    # given 3 businesses, each held, visited, with an issue, an aide and an adjustment
    user = office_user(county())
    logger = cadre_login(CadreFactory())

    def make(n):
        for _n in range(n):
            visit = VisitFactory(logged_by=logger)
            IssueFactory(visit=visit, raised_by=logger)
            CadreAideFactory(cadre=visit.cadre)
            VisitCheck.objects.create(visit=visit, area="on_site", text="x", result="problem")
            Adjustment.objects.create(
                kind="assign",
                entity=visit.entity,
                to_cadre=visit.cadre,
                reason="x",
                effective_date=NOW.date(),
            )
            Record.objects.create(
                entity=visit.entity,
                kind="daily",
                period_start=NOW.date(),
                content={"items": []},
                submitted_by=logger,
                submitted_at=NOW,
            )
            PublicRequest.objects.create(
                code=f"L{visit.pk:07d}",
                division=visit.entity.division,
                entity=visit.entity,
                category="hygiene",
                text="x",
            )

    make(3)
    small = {}
    for key in LEDGERS:
        with CaptureQueriesContext(connection) as queries:
            _sheet(user, key)
        small[key] = len(queries.captured_queries)
    # when there are ten times as many, then each ledger takes the same number of queries
    make(27)
    for key in LEDGERS:
        with django_assert_num_queries(small[key]):
            ws = _sheet(user, key)
        assert len(_rows(ws)) >= 30
    # On PostgreSQL each ledger's cursor comes between a SET and a RESET of its planning.
    planning = 2 if connection.vendor == "postgresql" else 0
    assert max(small.values()) <= 4 + planning


def test_all_ledgers_in_one_workbook():
    IssueFactory()
    wb = export_workbook(
        user=office_user(county()), keys=list(LEDGERS), division=None, period=None, exported_at=NOW
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    sheets = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets
    assert len(sheets) == len(LEDGERS)
    # each sheet is its own ledger, titled as such
    titles = [ws["A1"].value for ws in sheets]
    names = [str(ledger.name) for ledger in LEDGERS.values()]
    assert all(title.endswith(name) for title, name in zip(titles, names, strict=True))


def test_bounded_count_stops_at_the_limit():
    for _n in range(5):
        EntityFactory()
    qs = LEDGERS["entities"].queryset(user=office_user(county()), division=None)
    assert bounded_count(qs, 3) == 4
    assert bounded_count(qs, 10) == 5


def test_labels_follow_the_language_of_each_export():
    # given a visit on site by a county-level cadre
    visit = VisitFactory(on_site=True)
    user = office_user(county())
    level = str(Level(visit.cadre.division.level).label)

    def cells(language):
        with translation.override(language):
            row = next(visit_ledger_rows(user=user, division=None, today=NOW.date()))
        return row

    # when the ledger is read in Chinese, then in English, then in Chinese again
    chinese, english, again = cells("zh-hans"), cells("en"), cells("zh-hans")
    # then each read has its own language's labels (the per-language label cache keeps them apart)
    assert "是" in chinese and "Yes" not in chinese
    assert "Yes" in english and "是" not in english
    assert again == chinese
    assert level in chinese
