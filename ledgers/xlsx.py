"""The one workbook writer behind every Excel file the app produces (ledgers, reports).

Workbooks are write-only (rows stream to temporary files, memory stays flat) and look like an
office's ledger: a title row naming the area and ledger, a line with the period and export time, a
bold header row frozen under an autofilter, readable widths, real Excel dates. They print as one:
landscape A4, fit to the page's width, the three header rows repeated on every page, the unit
and export time in the page header and "第 X 页 共 Y 页" in the footer.
"""

import datetime
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "int", "date", "datetime", "percent", "float")
NUMBER_FORMATS = {
    "int": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "percent": "0.0%",
    "float": "0.00",
}
# A text starting with one of these would be read as a formula (or start one in a CSV copy).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Header block: title, period line, header row; data start below it.
HEADER_ROW = 3

_THIN = Side(style="thin", color="999999")
_TITLE_FONT = Font(bold=True, size=16)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# The narrowest a column of each kind may print without "####" or a cut value.
_MIN_WIDTH = {"date": 11, "datetime": 17, "percent": 8, "int": 6, "float": 9, "text": 6}
# Excel's header/footer codes: &P page number, &N number of pages; && is a literal ampersand.
_FOOTER = "第 &P 页 共 &N 页"


def display_width(text: str) -> int:
    """Columns ``text`` takes in Excel's width unit: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def print_width(column: "Column") -> int:
    """The width a column is written with: its own, widened to fit its header and its kind."""
    return max(column.width, display_width(column.header) + 2, _MIN_WIDTH[column.kind])


def _header_text(text: str) -> str:
    return str(text).replace("&", "&&")


def setup_print(ws, *, unit: str, exported: datetime.datetime, title_rows: int) -> None:
    """Print settings of a ledger sheet: landscape A4, one page wide and as many long as it
    takes, the first ``title_rows`` rows on each page, unit and export time above, page X of Y
    below. Must be called before the first row of a write-only sheet."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"1:{title_rows}"
    ws.oddHeader.left.text = _header_text(unit)
    ws.oddHeader.right.text = _header_text(
        _("Exported at %(time)s") % {"time": exported.strftime("%Y-%m-%d %H:%M")}
    )
    ws.oddFooter.center.text = _FOOTER


@dataclass(frozen=True)
class Column:
    header: str  # Chinese header text (already translated by the caller)
    width: int = 14  # Excel column width in characters
    kind: str = "text"  # "text" | "int" | "date" | "datetime" | "percent" | "float"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")


def new_workbook() -> openpyxl.Workbook:
    """An empty write-only workbook; add sheets with ``write_sheet``."""
    return openpyxl.Workbook(write_only=True)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_text(value):
    """The cell value to write for ``value``: a text that would start a formula is kept as it is
    but marked to be written as text (see ``_cell``); anything else is returned unchanged."""
    if is_formula_like(value):
        return _Text(value)
    return value


class _Text(str):
    """A string that must be written as text, never as a formula."""


def _excel_value(value, kind: str, tz=None):
    """Convert a Python value for the column kind: aware datetimes to local naive (Excel has no
    time zones), Decimals to float."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz or timezone.get_current_timezone())
        value = value.replace(tzinfo=None, microsecond=0)
        if kind == "date":
            value = value.date()
        return value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _cell(ws, value, kind: str, tz=None):
    value = _excel_value(value, kind, tz)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if not (isinstance(value, _Text) or is_formula_like(value)):
            return value
        return _text_cell(ws, value)
    cell = WriteOnlyCell(ws, value=value)
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def _text_cell(ws, value: str):
    # openpyxl would store "=…" as a formula: force a string cell, and set Excel's quote prefix
    # so that editing the cell keeps it text.
    cell = WriteOnlyCell(ws, value=str(value))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


class _Row:
    """Turns a row of Python values into what ``ws.append`` takes, spending as little per cell as
    each value allows: a plain text, number or date goes to openpyxl as it is (its write-only
    append puts it in a cell of its own, and gives a date its "yyyy-mm-dd"); a number or time
    that needs a number format goes in its column's one formatted cell, bound anew on each row
    (openpyxl writes a row out before the next is appended)."""

    def __init__(self, ws, columns: Sequence[Column]):
        self.ws = ws
        self.tz = timezone.get_current_timezone()
        self.kinds = [column.kind for column in columns]
        self.cells = [self._formatted(kind) for kind in self.kinds]

    def _formatted(self, kind: str):
        if kind in ("text", "date"):
            return None
        cell = WriteOnlyCell(self.ws)
        cell.number_format = NUMBER_FORMATS[kind]
        return cell

    def __call__(self, row: Sequence) -> list:
        value_of = self.value
        # Most values are plain texts, passed on without a call.
        return [
            value
            if value.__class__ is str and value and not value.startswith(FORMULA_PREFIXES)
            else value_of(value, kind, cell)
            for value, kind, cell in zip(row, self.kinds, self.cells, strict=False)
        ]

    def value(self, value, kind: str, cell):
        if value is None or value == "":
            return None
        if value.__class__ is str:
            return _text_cell(self.ws, value)
        value = _excel_value(value, kind, self.tz)
        # Only values that keep the cell's number format as it is (a date or time would replace
        # a number's format with its own): anything else gets a cell of its own.
        if cell is not None and isinstance(value, _KEEPS_FORMAT[kind]):
            cell.value = value
            return cell
        if kind == "date" and value.__class__ is datetime.date:
            return value
        return _cell(self.ws, value, kind, self.tz)


_KEEPS_FORMAT = {
    "int": (int, float),
    "percent": (int, float),
    "float": (int, float),
    "datetime": (datetime.date,),
}


def _take_cells_as_they_are(ws) -> None:
    """Make ``ws.append`` take a cell it is given without first trying it as a value.

    openpyxl's write-only append binds every item to a cell as a value and takes it as a cell
    only when that fails: a ValueError raised (with the cell's repr) and caught for every
    formatted number or time, then a fresh cell for the next value, about a tenth of a visits
    ledger's export. This is the same walk over the row with the cell test first. Only speed
    depends on it: were openpyxl to rename its hook, the same cells would be written through
    its own, more slowly.
    """

    def values_to_row(values, row_idx):
        cell = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                value.column, value.row = col_idx, row_idx
                yield value
                continue
            cell.value = value
            cell.column, cell.row = col_idx, row_idx
            yield cell
            if cell.has_style:  # a date got its number format: the next value needs a new cell
                cell = WriteOnlyCell(ws)

    ws._values_to_row = values_to_row


def _styled(ws, value, *, font=None, fill=None, border=None, alignment=None):
    cell = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if border:
        cell.border = border
    if alignment:
        cell.alignment = alignment
    return cell


def write_sheet(
    wb: openpyxl.Workbook,
    *,
    sheet_title: str,
    title: str,
    period: str,
    exported_at: datetime.datetime,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    unit: str = "",
) -> int:
    """Add one ledger sheet to ``wb`` and stream ``rows`` into it; return how many data rows.

    ``title`` names area and ledger (row 1, merged, large); ``period`` and ``exported_at`` make
    row 2; row 3 is the bold header, frozen, with an autofilter over header and data. ``unit``
    (the office's area; the title when not given) heads each printed page.
    """
    ws = wb.create_sheet(title=sheet_title[:31])
    last = get_column_letter(max(len(columns), 1))
    exported = timezone.localtime(exported_at) if timezone.is_aware(exported_at) else exported_at
    # Widths, frozen panes, merges and print settings are written before the first row in
    # write-only mode.
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = print_width(column)
    setup_print(ws, unit=unit or title, exported=exported, title_rows=HEADER_ROW)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 28
    ws.append([_styled(ws, title, font=_TITLE_FONT, alignment=_CENTER)])
    ws.append(
        [
            _styled(
                ws,
                _("Period: %(period)s    Exported at: %(time)s")
                % {"period": period, "time": exported.strftime("%Y-%m-%d %H:%M")},
            )
        ]
    )
    ws.append(
        [
            _styled(
                ws,
                column.header,
                font=_HEADER_FONT,
                fill=_HEADER_FILL,
                border=_HEADER_BORDER,
                alignment=_CENTER,
            )
            for column in columns
        ]
    )
    cells = _Row(ws, columns)
    _take_cells_as_they_are(ws)
    count = 0
    for row in rows:
        ws.append(cells(row))
        count += 1
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(count, 1)}"
    return count


def discard(wb: openpyxl.Workbook) -> None:
    """Drop a write-only workbook that will not be saved (an export that failed half-way): end
    each sheet's stream and remove its temporary file now, not when the worker process exits."""
    for ws in wb.worksheets:
        if not ws.closed:
            ws.close()
        ws._writer.cleanup()


def save_to_tempfile(wb: openpyxl.Workbook):
    """Save ``wb`` to an anonymous temporary file (kept in memory while small), rewound."""
    # Closed by the FileResponse once sent.
    handle = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115
    wb.save(handle)
    handle.seek(0)
    return handle


def workbook_response(wb: openpyxl.Workbook, filename: str) -> FileResponse:
    """Stream ``wb`` as a download. Django encodes a Chinese file name per RFC 5987/6266
    (``filename*=utf-8''…``) in the Content-Disposition header."""
    response = FileResponse(
        save_to_tempfile(wb),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response
