"""The cells of a written sheet when rows mix kinds: formatted cells reused row after row keep
their formats and hold only their own row's value."""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.utils import timezone

from ledgers.xlsx import Column, new_workbook, safe_text, write_sheet

EXPORTED_AT = timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 30))
COLUMNS = [
    Column("名称", 30),
    Column("数量", 8, "int"),
    Column("日期", 12, "date"),
    Column("时间", 17, "datetime"),
    Column("比率", 8, "percent"),
    Column("金额", 8, "float"),
]


def _cells(rows):
    wb = new_workbook()
    write_sheet(
        wb,
        sheet_title="台账",
        title="碧江区 台账",
        period="2026Q1",
        exported_at=EXPORTED_AT,
        columns=COLUMNS,
        rows=rows,
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    return [list(row) for row in ws.iter_rows(min_row=4)]


def test_each_row_holds_its_own_values_in_formatted_cells():
    # given three rows whose numbers and times differ, the middle one empty but for its name
    first = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59, 59, 500))
    third = timezone.make_aware(datetime.datetime(2026, 1, 2, 8, 5))
    rows = [
        ("甲", 1, datetime.date(2026, 1, 5), first, 0.5, Decimal("2.50")),
        ("乙", None, None, None, None, None),
        ("丙", 3, datetime.date(2026, 2, 6), third, 0.25, 7.0),
    ]
    # when they are written
    first_row, middle, last = _cells(rows)
    # then every row shows its own values, in local time to the second, with its column's format
    assert [c.value for c in first_row] == [
        "甲",
        1,
        datetime.datetime(2026, 1, 5),
        datetime.datetime(2026, 3, 31, 23, 59, 59),
        0.5,
        2.5,
    ]
    assert [c.value for c in middle] == ["乙", None, None, None, None, None]
    assert [c.value for c in last] == [
        "丙",
        3,
        datetime.datetime(2026, 2, 6),
        datetime.datetime(2026, 1, 2, 8, 5),
        0.25,
        7.0,
    ]
    formats = ["General", "0", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.0%", "0.00"]
    assert [c.number_format for c in first_row] == formats
    assert [c.number_format for c in last] == formats


def test_a_time_in_a_number_column_leaves_the_next_rows_numbers_formatted():
    # given a date where a count is expected, then a count
    rows = [
        ("甲", datetime.date(2026, 1, 2), None, None, None, None),
        ("乙", 4, None, None, None, None),
    ]
    # when they are written
    _first, second = _cells(rows)
    # then the next row's count is still written with the number format of its column
    assert second[1].value == 4 and second[1].number_format == "0"


def test_texts_of_every_kind_in_any_column():
    # given a plain text, a formula-like text, a marked text and an empty one, in several columns
    rows = [("=SUM(A1)", "-3", safe_text("@x"), "", "甲", None)]
    # when written
    (row,) = _cells(rows)
    # then formula-like texts stay text (quote prefix), the empty text leaves the cell empty
    assert [c.value for c in row[:5]] == ["=SUM(A1)", "-3", "@x", None, "甲"]
    assert all(c.data_type == "s" and c.quotePrefix for c in row[:3])
    assert not row[4].quotePrefix
