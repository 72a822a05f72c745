"""The monthly work report (/dashboard/report/): figures per township against the hand-counted
area, the .xlsx, the refusals, and a constant number of queries."""

import pytest
from django.urls import reverse

from tests.factories import office_user, wanshan
from tests.ledgers.conftest import header, open_xlsx, response_bytes

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:report")


def line(row) -> tuple:
    return (
        row.open,
        row.covered,
        row.visits,
        row.visited_entities,
        row.due,
        row.visited,
        row.issues_found,
        row.issues_closed,
        row.issues_overdue,
        row.overdue_cadres,
    )


def test_the_current_month_so_far(client, tree):
    # given a county office on 2026-05-20
    client.force_login(office_user(tree.county))

    # when it opens May's report
    report = client.get(URL, {"month": "2026-05"}).context["report"]

    # then each township's May: open/covered, visits and businesses visited, Q2 due/visited,
    # issues found/closed/overdue, cadres overdue for 2026Q1
    assert report.as_of.isoformat() == "2026-05-20"
    assert [row.division for row in report.rows] == [tree.huanbei, tree.chuandong]
    assert [line(row) for row in report.rows] == [
        (4, 3, 1, 1, 3, 1, 0, 0, 1, 1),
        (2, 1, 1, 1, 2, 1, 2, 1, 0, 2),
    ]
    assert line(report.total) == (6, 4, 2, 2, 5, 2, 2, 1, 1, 2)
    assert str(report.ended_quarter) == "2026Q1"


def test_a_past_month_is_seen_on_its_last_day(client, tree):
    # given a county office on 2026-05-20
    client.force_login(office_user(tree.county))

    # when it opens February's report
    report = client.get(URL, {"month": "2026-02"}).context["report"]

    # then Q1 up to 28 February: the 02-10 visits count, i2 (deadline 03-01) is not yet overdue,
    # and every holder of 2025Q4 (no visit at all) is an overdue cadre: four of them
    assert report.as_of.isoformat() == "2026-02-28"
    assert [line(row) for row in report.rows] == [
        (4, 3, 2, 2, 3, 2, 2, 1, 0, 3),
        (2, 1, 0, 0, 2, 0, 0, 0, 0, 2),
    ]
    assert report.total.overdue_cadres == 4
    assert str(report.ended_quarter) == "2025Q4"


def test_the_summary_paragraph_carries_the_totals(client, tree):
    client.force_login(office_user(tree.county))

    summary = client.get(URL, {"month": "2026-05"}).context["report"].summary

    assert "碧江区" in summary
    for figure in ("66.7%", "40.0%", "2026Q2", "2026Q1"):
        assert figure in summary


def test_the_report_downloads_as_a_workbook(client, tree):
    # given a county office
    client.force_login(office_user(tree.county))

    # when it downloads May's report
    response = client.get(URL, {"month": "2026-05", "format": "xlsx"})

    # then one sheet: the title names the area and month, the header row, a line per township,
    # the total, and the summary below
    assert response.status_code == 200
    ws = open_xlsx(response_bytes(response)).active
    assert "碧江区" in ws["A1"].value and "2026-05" in ws["A1"].value
    assert "2026-05" in ws["A2"].value
    assert len(header(ws)) == 12
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[0][:2] == ("环北街道", 4)
    assert rows[0][2] == pytest.approx(0.75)
    assert rows[0][4:8] == (1, 3, 1, pytest.approx(1 / 3))
    assert rows[1][0] == "川硐街道"
    assert rows[1][8:12] == (2, 1, 0, 2)
    assert rows[2][1] == 6 and rows[2][11] == 2
    assert "碧江区" in rows[-1][0]


@pytest.mark.parametrize("month", ["2026-13", "May", "2026-06"])
def test_a_bad_or_future_month_is_refused_with_nothing_shown(client, tree, month):
    # given a county office on 2026-05-20
    client.force_login(office_user(tree.county))

    # when it asks for a malformed month or one that has not begun
    response = client.get(URL, {"month": month})

    # then the form says why and no report is made (nor a workbook)
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors["month"]
    assert client.get(URL, {"month": month, "format": "xlsx"})["Content-Type"].startswith(
        "text/html"
    )


def test_another_county_is_404(client, tree):
    client.force_login(office_user(tree.county))

    assert client.get(URL, {"division": wanshan().pk, "month": "2026-05"}).status_code == 404


def test_the_page_is_printable_and_has_no_inline_style(client, tree):
    client.force_login(office_user(tree.county))

    text = client.get(URL, {"month": "2026-05"}).text

    assert "data-print" in text
    assert "css/dashboard.css" in text
    assert "style=" not in text and "<script>" not in text


def test_the_queries_do_not_depend_on_the_number_of_townships(
    client, tree, django_assert_max_num_queries
):
    # given a county office whose two townships' report takes a small fixed number of queries
    client.force_login(office_user(tree.county))
    with django_assert_max_num_queries(16):
        client.get(URL, {"month": "2026-05"})
