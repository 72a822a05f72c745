import datetime
import io
import os

import openpyxl
import pytest
from django.utils import timezone

from ledgers.xlsx import (
    Column,
    discard,
    new_workbook,
    safe_text,
    workbook_response,
    write_sheet,
)
from tests.ledgers.conftest import response_bytes

EXPORTED_AT = timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 30))
COLUMNS = [
    Column("名称", 30),
    Column("数量", 8, "int"),
    Column("日期", 12, "date"),
    Column("时间", 17, "datetime"),
    Column("比率", 8, "percent"),
]


def _written(rows, columns=COLUMNS):
    wb = new_workbook()
    count = write_sheet(
        wb,
        sheet_title="包保主体台账",
        title="碧江区 包保主体台账",
        period="2026Q1",
        exported_at=EXPORTED_AT,
        columns=columns,
        rows=rows,
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return count, openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_sheet_has_title_period_header_and_typed_values():
    # given a row of every kind, with an aware datetime
    visited = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59, 59, 123))
    # when it is written
    count, wb = _written([("金滩饭店", 3, datetime.date(2026, 1, 5), visited, 0.875)])
    ws = wb["包保主体台账"]
    # then the title, period line and header come first, then the typed values
    assert count == 1
    assert ws["A1"].value == "碧江区 包保主体台账"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    assert "2026Q1" in ws["A2"].value and "2026-04-02 09:30" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["名称", "数量", "日期", "时间", "比率"]
    assert all(c.font.b for c in ws[3])
    _name, number, day, moment, rate = ws[4]
    assert number.value == 3 and isinstance(number.value, int)
    assert day.value == datetime.datetime(2026, 1, 5) and day.number_format == "yyyy-mm-dd"
    # local time (Asia/Shanghai), whole seconds, as a real Excel date-time
    assert moment.value == datetime.datetime(2026, 3, 31, 23, 59, 59)
    assert moment.is_date
    assert rate.number_format == "0.0%" and rate.value == 0.875


def test_sheet_is_frozen_filtered_merged_and_sized():
    _count, wb = _written([("甲", 1, None, None, None), ("乙", 2, None, None, None)])
    ws = wb.active
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:E5"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1", "A2:E2"}
    # the writer adds Excel's cell padding (a fraction of a character) to each width
    assert int(ws.column_dimensions["A"].width) == 30
    assert int(ws.column_dimensions["B"].width) == 8


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_written_as_text(text):
    # given a value that a spreadsheet would take for a formula
    _, wb = _written([(text, None, None, None, None)])
    cell = wb.active["A4"]
    # then it is a text cell with Excel's quote prefix, never a formula (a control character is
    # written as Excel's _xHHHH_ escape, which Excel reads back and openpyxl leaves as it is)
    assert cell.value.replace("_x000D_", "\r") == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_plain_text_has_no_quote_prefix():
    _, wb = _written([("金滩饭店", None, None, None, None)])
    assert not wb.active["A4"].quotePrefix


def test_safe_text_marks_only_formula_like_values():
    assert safe_text("=cmd|' /C calc'!A0") == "=cmd|' /C calc'!A0"
    assert type(safe_text("=x")) is not str
    assert type(safe_text("金滩")) is str
    assert safe_text(3) == 3


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", kind="money")


def test_response_names_the_file_in_chinese():
    wb = new_workbook()
    write_sheet(
        wb,
        sheet_title="s",
        title="t",
        period="p",
        exported_at=EXPORTED_AT,
        columns=COLUMNS,
        rows=[],
    )
    response = workbook_response(wb, "碧江区_包保主体台账.xlsx")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E7%A2%A7%E6%B1%9F%E5%8C%BA_"
        "%E5%8C%85%E4%BF%9D%E4%B8%BB%E4%BD%93%E5%8F%B0%E8%B4%A6.xlsx"
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(response_bytes(response))).active["A1"].value == "t"


def test_a_discarded_workbook_leaves_no_temporary_file():
    # given a sheet half written when an export fails
    wb = new_workbook()

    def failing():
        yield ("甲", 1, None, None, None)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_sheet(
            wb,
            sheet_title="台账",
            title="t",
            period="p",
            exported_at=EXPORTED_AT,
            columns=COLUMNS,
            rows=failing(),
        )
    (ws,) = wb.worksheets
    path = ws.row_data_filename
    assert os.path.exists(path)
    # when it is discarded
    discard(wb)
    # then its temporary file is gone at once, and so is the workbook's own
    assert not os.path.exists(path)
    assert wb.file.closed
