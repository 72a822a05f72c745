"""Coverage keeps a history (issue 18): each day's recording of every division's coverage stays as
its month's row, so a past month's report shows that month's coverage, not today's."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cadres.services import assignment_end
from ledgers.coverage import coverage_month_record_unscoped
from ledgers.models import CoverageMonth
from ledgers.reports import monthly_report
from tests.factories import AssignmentFactory, EntityFactory, cadre_user, county, office_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MAY_END = datetime.date(2026, 5, 31)
JUNE = datetime.date(2026, 6, 10)


def _at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(23, 50), TZ), tick=False
    )


def test_a_past_month_s_report_shows_that_month_s_coverage():
    # given a county with two open businesses, one held, recorded on the last day of May (twice)
    with _at(datetime.date(2026, 5, 10)):
        held = AssignmentFactory(start_date=datetime.date(2026, 4, 1))
        EntityFactory()
    with _at(MAY_END):
        coverage_month_record_unscoped(today=MAY_END)
        rows = coverage_month_record_unscoped(today=MAY_END)
    assert rows == CoverageMonth.objects.filter(month=datetime.date(2026, 5, 1)).count() == 1
    # when in June the holding ends, and June is recorded
    with _at(JUNE):
        assignment_end(assignment=held, reason="调离", by=None)
        coverage_month_record_unscoped(today=JUNE)
    office = office_user(county())

    # then May's report (seen in June) shows May's coverage, June's shows today's
    may = monthly_report(
        user=office, division=county(), month=datetime.date(2026, 5, 1), today=JUNE
    )
    june = monthly_report(
        user=office, division=county(), month=datetime.date(2026, 6, 1), today=JUNE
    )
    assert (may.total.open, may.total.covered) == (2, 1)
    assert (june.total.open, june.total.covered) == (2, 0)
    # and each row of May is its own child's recording
    assert [(r.open, r.covered) for r in may.rows if r.open] == [(2, 1)]


def test_without_a_recording_a_past_month_shows_today_s_coverage():
    # given a held business and no recording of May
    with _at(datetime.date(2026, 5, 10)):
        AssignmentFactory(start_date=datetime.date(2026, 4, 1))

    # when May's report is read in June
    may = monthly_report(
        user=office_user(county()), division=county(), month=datetime.date(2026, 5, 1), today=JUNE
    )

    # then it shows today's coverage, as before the history began
    assert (may.total.open, may.total.covered) == (1, 1)


def test_a_cadre_s_report_keeps_to_what_the_cadre_holds():
    # given May recorded with two held businesses, one of them this cadre's
    with _at(datetime.date(2026, 5, 10)):
        mine = AssignmentFactory(start_date=datetime.date(2026, 4, 1))
        AssignmentFactory(start_date=datetime.date(2026, 4, 1))
    with _at(MAY_END):
        coverage_month_record_unscoped(today=MAY_END)

    # when the cadre reads May's report
    may = monthly_report(
        user=cadre_user(mine.cadre), division=county(), month=datetime.date(2026, 5, 1), today=JUNE
    )

    # then the area's recording (two businesses) is not shown to them, only their own
    assert (may.total.open, may.total.covered) == (1, 1)
