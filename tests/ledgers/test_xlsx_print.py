"""Excel ledgers that print: every sheet read back with openpyxl has its print titles, landscape
A4 one page wide, the unit and export time above and page X of Y below, and widths that fit."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from ledgers.exports import LEDGERS, export_workbook
from ledgers.xlsx import Column, display_width, new_workbook, write_sheet
from tests.factories import IssueFactory, county, office_user

NOW = timezone.make_aware(datetime.datetime(2026, 5, 20, 10, 0))


def _reopen(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def _assert_prints(ws, *, unit: str):
    assert ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # one page wide: fitToWidth 1 is the default, which a writer may leave out
    assert (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.oddHeader.left.text == unit
    assert "2026-05-20 10:00" in ws.oddHeader.right.text
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.print_options.horizontalCentered


def test_a_sheet_prints_landscape_one_page_wide_with_its_header_rows_on_each_page():
    # given a sheet with long Chinese headers and a width too small for them
    wb = new_workbook()
    columns = [Column("包保主体名称及经营地址", 8), Column("检查日期", 4, "date")]
    write_sheet(
        wb,
        sheet_title="台账",
        title="碧江区 包保主体台账",
        period="2026Q2",
        exported_at=NOW,
        columns=columns,
        rows=[("金滩饭店", datetime.date(2026, 5, 1))] * 200,
        unit="碧江区 & 万山区",
    )
    # when it is read back
    ws = _reopen(wb).worksheets[0]
    # then it prints with the settings; the ampersand of the unit is escaped for Excel's codes
    assert ws.oddHeader.left.text == "碧江区 && 万山区"
    ws.oddHeader.left.text = "碧江区 & 万山区"
    _assert_prints(ws, unit="碧江区 & 万山区")
    # and each column is wide enough for its header (a Chinese character counts two) and a date
    assert ws.column_dimensions["A"].width >= display_width("包保主体名称及经营地址") == 22
    assert ws.column_dimensions["B"].width >= 11


@pytest.mark.django_db
def test_every_ledger_of_an_export_prints(settings):
    # given a county office exporting every ledger (the five and the 主体责任落实台账)
    IssueFactory()
    area = county()
    wb = export_workbook(
        user=office_user(area), keys=list(LEDGERS), division=area, period=None, exported_at=NOW
    )
    # when the workbook is read back
    sheets = _reopen(wb).worksheets
    # then every sheet has the print settings, headed by the county
    assert len(sheets) == len(LEDGERS)
    for ws in sheets:
        _assert_prints(ws, unit=area.name)
        for index, header in enumerate(ws[3], 1):
            letter = openpyxl.utils.get_column_letter(index)
            assert ws.column_dimensions[letter].width >= display_width(header.value), header.value
