"""Texts that could break out of a cell, read back with openpyxl from a sheet our writer wrote:
markup, Excel's own escapes, control characters, whitespace at either end, formula-like texts in
every column, over-long texts; and values of an unexpected type in a typed column."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from ledgers.xlsx import Column, new_workbook, write_sheet

EXPORTED_AT = timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 30))
COLUMNS = [Column("名称", 30), Column("数量", 8, "int"), Column("日期", 12, "date")]


def _saved(rows) -> bytes:
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
    return buffer.getvalue()


def _row(rows, index=0):
    ws = openpyxl.load_workbook(io.BytesIO(_saved(rows))).active
    return list(ws.iter_rows(min_row=4))[index]


@pytest.mark.parametrize(
    "text",
    [
        "<r><t>粗体</t></r>",  # what xlsxwriter would pass through as rich text
        "A & B <c> 饭店",
        "引号 \" 和 ' 号",
        "第一行\n第二行",
        "  两端有空格  ",
        "制表\t符",
    ],
)
def test_texts_with_markup_or_whitespace_come_back_as_written(text):
    (name, _count, _day) = _row([(text, None, None)])
    assert name.value == text
    assert name.data_type == "s"
    assert not name.quotePrefix


def test_excel_escapes_and_control_characters_are_escaped_the_way_excel_reads_them():
    # given a text that looks like Excel's escape and one with a control character
    data = _saved([("_x0041_", None, None), ("响\x07铃", None, None)])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    # then the look-alike keeps its underscore escaped and the control character is escaped,
    # so that Excel shows "_x0041_" (not "A") and the file stays well-formed XML
    assert "<t>_x005F_x0041_</t>" in sheet
    assert "<t>响_x0007_铃</t>" in sheet


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_formula_like_texts_are_quote_prefixed_in_every_column(text):
    # given a formula-like text in a text, a number and a date column
    cells = _row([(text, text, text)])
    # then each is a text cell with the quote prefix, and no cell holds a formula
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.quotePrefix
        assert not str(cell.value).startswith("=") or cell.value == text


def test_a_formula_like_title_or_header_is_quote_prefixed_too():
    wb = new_workbook()
    write_sheet(
        wb,
        sheet_title="台账",
        title="=1+1",
        period="p",
        exported_at=EXPORTED_AT,
        columns=[Column("-负数"), Column("数量", kind="int")],
        rows=[],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert ws["A1"].value == "=1+1" and ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    assert ws["A3"].value == "-负数" and ws["A3"].quotePrefix


def test_an_over_long_text_is_cut_to_what_a_cell_holds():
    (name, _count, _day) = _row([("甲" * 40000, None, None)])
    assert name.value == "甲" * 32767


def test_unexpected_types_are_written_as_their_kind():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59, 59, 900))
    rows = [
        (Decimal("2.50"), True, moment),  # a time in a date column keeps its date
        (7, 3.5, datetime.date(2026, 1, 2)),
        (datetime.date(2026, 2, 3), None, None),
    ]
    first, second, third = (_row(rows, i) for i in range(3))
    assert first[0].value == 2.5
    assert first[1].value is True
    assert (
        first[2].value == datetime.datetime(2026, 3, 31) and first[2].number_format == "yyyy-mm-dd"
    )
    assert second[0].value == 7 and second[1].value == 3.5 and second[1].number_format == "0"
    assert third[0].value == datetime.datetime(2026, 2, 3) and third[0].is_date
