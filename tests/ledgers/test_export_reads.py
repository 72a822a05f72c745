"""How the ledgers read their rows: zones held, days to close in local dates, a visit with no
checklist, and the cursor planned for every row on PostgreSQL."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import ZoneAssignment
from inspections.models import Issue, IssueStatus, Visit
from ledgers.exports import export_workbook
from ledgers.selectors.common import read_all
from tests.factories import (
    CadreFactory,
    IssueFactory,
    VisitFactory,
    ZoneFactory,
    county,
    office_user,
    wanshan_village,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zh")]
NOW = timezone.make_aware(datetime.datetime(2026, 5, 20, 10, 0))
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="cursor planning is PostgreSQL's"
)


def _rows(key, user):
    wb = export_workbook(user=user, keys=[key], division=None, period=None, exported_at=NOW)
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    header = [c.value for c in ws[3]]
    return [
        dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)
    ]


def test_cadres_ledger_counts_only_the_zones_still_held():
    # given a cadre holding two zones and no longer a third, and a cadre holding none
    holder = CadreFactory(name="片区干部")
    CadreFactory(name="无片区")
    for end_date in (None, None, datetime.date(2026, 1, 1)):
        ZoneAssignment.objects.create(
            zone=ZoneFactory(),
            cadre=holder,
            start_date=datetime.date(2025, 1, 1),
            end_date=end_date,
        )
    # when the cadres ledger is exported
    rows = {row[_("Cadre name")]: row for row in _rows("cadres", office_user(county()))}
    # then the holder's two current zones are counted, and the other cadre's none
    assert rows["片区干部"][_("Zones held")] == 2
    assert rows["无片区"][_("Zones held")] == 0


def test_days_to_close_count_local_dates():
    # given an issue raised at 23:30 and closed at 00:30 the next day, local time
    raised = timezone.make_aware(datetime.datetime(2026, 5, 1, 23, 30))
    with time_machine.travel(raised):
        issue = IssueFactory()
    Issue.objects.filter(pk=issue.pk).update(
        status=IssueStatus.CLOSED, closed_at=raised + datetime.timedelta(hours=1)
    )
    # when the issues ledger is exported
    (row,) = _rows("issues", office_user(county()))
    # then it took one day to close (in UTC both moments fall on 1 May)
    assert row[_("Days to close")] == 1
    assert row[_("Closed at")] == datetime.datetime(2026, 5, 2, 0, 30)


def test_a_visit_without_checklist_shows_zero_checks():
    # given a visit with no checklist and no issue
    VisitFactory()
    # when the visits ledger is exported
    (row,) = _rows("visits", office_user(county()))
    # then its counts are zero and no problem is listed
    assert [row[_(name)] for name in ("Checks", "Passed", "Problems", "Not applicable")] == [
        0,
        0,
        0,
        0,
    ]
    assert row[_("Problems found")] is None
    assert row[_("Issues raised")] == 0


def _fraction() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        return cursor.fetchone()[0]


@on_postgresql
def test_the_cursor_is_planned_for_every_row_and_the_setting_restored():
    # given two visits in scope, and the session's own setting
    VisitFactory()
    VisitFactory()
    before = _fraction()
    rows = read_all(Visit.objects.order_by("pk").values_list("pk"))
    # when the first row is read, and the rest are left unread
    with CaptureQueriesContext(connection) as queries:
        next(rows)
    rows.close()
    # then the cursor was declared between the setting and its reset, which leaves it as it was
    sql = [query["sql"] for query in queries.captured_queries]
    assert sql[0] == "SET cursor_tuple_fraction = 1"
    assert "DECLARE" in sql[1] or sql[1].startswith("SELECT")
    assert sql[-1] == "RESET cursor_tuple_fraction"
    assert _fraction() == before


def test_read_all_reads_every_row_in_order():
    # given visits in two counties
    visits = [VisitFactory(), VisitFactory(entity__division=wanshan_village())]
    # when they are read
    pks = [pk for (pk,) in read_all(Visit.objects.order_by("pk").values_list("pk"))]
    # then every row comes, in the query's order
    assert pks == sorted(v.pk for v in visits)
