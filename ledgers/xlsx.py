"""The one workbook writer behind every Excel file the app produces (ledgers, reports).

Workbooks are written by xlsxwriter in its constant-memory mode (each row goes to a temporary file
as soon as the next one starts, memory stays flat) and look like an office's ledger: a title row
naming the area and ledger, a line with the period and export time, a bold header row frozen under
an autofilter, readable widths, real Excel dates. They print as one: landscape A4, fit to the
page's width, the three header rows repeated on every page, the unit and export time in the page
header and "第 X 页 共 Y 页" in the footer. openpyxl reads workbooks (imports) and writes the
small import templates; ``save_to_tempfile`` and ``workbook_response`` take either.
"""

import datetime
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

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

_TITLE = {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "text_wrap": True}
_HEADER = {
    "bold": True,
    "bg_color": "#DDEBF7",
    "border": 1,
    "border_color": "#999999",
    "align": "center",
    "valign": "vcenter",
    "text_wrap": True,
}
# The narrowest a column of each kind may print without "####" or a cut value.
_MIN_WIDTH = {"date": 11, "datetime": 17, "percent": 8, "int": 6, "float": 9, "text": 6}
# Excel's header/footer codes: &P page number, &N number of pages; && is a literal ampersand.
_FOOTER = "第 &P 页 共 &N 页"
# Excel's limit of a cell's text, in UTF-16 units: a text shorter than half of it always fits.
_TEXT_MAX = 32767
_SHORT_TEXT = _TEXT_MAX // 2
# A text that cannot go into the sheet's XML as it is: markup, a control character (tab and line
# feed are fine), an Excel escape look-alike (_x0041_), or whitespace at either end.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_EXCEL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_truncate(text: str, limit: int) -> str:
    return text.encode("utf-16-le")[: limit * 2].decode("utf-16-le", errors="ignore")


def display_width(text: str) -> int:
    """Columns ``text`` takes in Excel's width unit: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def print_width(column: "Column") -> int:
    """The width a column is written with: its own, widened to fit its header and its kind."""
    return max(column.width, display_width(column.header) + 2, _MIN_WIDTH[column.kind])


def _header_text(text: str) -> str:
    return str(text).replace("&", "&&")


@dataclass(frozen=True)
class Column:
    header: str  # Chinese header text (already translated by the caller)
    width: int = 14  # Excel column width in characters
    kind: str = "text"  # "text" | "int" | "date" | "datetime" | "percent" | "float"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")


class Workbook:
    """An xlsxwriter workbook in constant-memory mode, written into an anonymous temporary file
    that ``save`` (or ``save_to_tempfile``) completes. Texts are never taken for formulas, URLs or
    numbers: a text cell holds the text as given."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by its reader)
        self.book = xlsxwriter.Workbook(
            self.file,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_date_format": NUMBER_FORMATS["date"],
                "use_zip64": True,
            },
        )
        self.closed = False
        self._formats = {}

    def format(self, **properties):
        """One format per set of properties (xlsxwriter writes each format it is given)."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(properties)
        return self._formats[key]

    @property
    def worksheets(self):
        return self.book.worksheets()

    def close(self) -> None:
        """Assemble the file (once); the workbook takes no more rows."""
        if not self.closed:
            self.closed = True
            self.book.close()

    def save(self, handle) -> None:
        """Write the finished file into ``handle`` (an open binary file)."""
        self.close()
        self.file.seek(0)
        shutil.copyfileobj(self.file, handle)


def new_workbook() -> Workbook:
    """An empty workbook; add sheets with ``write_sheet``."""
    return Workbook()


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_text(value):
    """The cell value to write for ``value``: a text that would start a formula is kept as it is
    but marked to be written as text with Excel's quote prefix; anything else is returned
    unchanged. (Every formula-like text is written so; the mark says it on purpose.)"""
    if is_formula_like(value):
        return _Text(value)
    return value


class _Text(str):
    """A string that must be written as text, never as a formula."""


def _setup_print(ws, *, unit: str, exported: datetime.datetime) -> None:
    """Print settings of a ledger sheet: landscape A4, one page wide and as many long as it
    takes, the header rows on each page, unit and export time above, page X of Y below."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.repeat_rows(0, HEADER_ROW - 1)
    when = _("Exported at %(time)s") % {"time": exported.strftime("%Y-%m-%d %H:%M")}
    ws.set_header(f"&L{_header_text(unit)}&R{_header_text(when)}")
    ws.set_footer(f"&C{_FOOTER}")


class _Rows:
    """Writes data rows as the sheet's XML, one ``write`` per row, into the row file xlsxwriter
    keeps in constant-memory mode: what its ``write_row`` ends in, without the checks, the type
    dispatch and the cell tuple per cell that a ledger's typed columns do not need (a third of
    its time). The cells are the ones xlsxwriter writes: in-line strings, numbers with the
    column's number format, times as Excel serial numbers; a formula-like text gets the quote
    prefix, every text is escaped (xlsxwriter would pass a text looking like rich-text XML
    through as it is)."""

    def __init__(self, wb: Workbook, ws, columns: Sequence[Column]):
        self.ws = ws
        self.tz = timezone.get_current_timezone()
        self.kinds = [column.kind for column in columns]
        self.letters = [xl_col_to_name(index) for index in range(max(len(columns), 1) + 64)]

        def style(fmt) -> str:
            return f' s="{fmt._get_xf_index()}"'

        self.quoted = style(wb.format(quote_prefix=True))
        self.styles = {
            kind: style(wb.format(num_format=code)) for kind, code in NUMBER_FORMATS.items()
        }

    def write_all(self, rows: Iterable[Sequence], first: int) -> int:
        """Write ``rows`` from sheet row ``first`` (0-based); return how many."""
        write = self.ws.fh.write
        letters = self.letters
        cell = self.cell
        special = _SPECIAL.search
        prefixes = FORMULA_PREFIXES
        quoted = self.quoted
        number = self.styles["int"]
        r = first
        for row in rows:
            r += 1  # Excel's row number
            parts = [f'<row r="{r}">']
            append = parts.append
            for col, value in enumerate(row):
                cls = value.__class__
                if cls is str:
                    # The common case in line: a short text with nothing to escape.
                    if not value:
                        continue
                    if len(value) < _SHORT_TEXT and not special(value):
                        append(
                            f'<c r="{letters[col]}{r}"'
                            f"{quoted if value.startswith(prefixes) else ''}"
                            f' t="inlineStr"><is><t>{value}</t></is></c>'
                        )
                        continue
                elif cls is int and self.kinds[col] == "int":
                    append(f'<c r="{letters[col]}{r}"{number}><v>{value}</v></c>')
                    continue
                elif value is None:
                    continue
                append(cell(value, col, f"{letters[col]}{r}"))
            append("</row>")
            write("".join(parts))
        return r - first

    def cell(self, value, col: int, ref: str) -> str:
        kind = self.kinds[col] if col < len(self.kinds) else "text"
        if isinstance(value, str):
            return self.text(value, ref) if value else ""
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, (int, float)):
            if value != value or value in (math.inf, -math.inf):
                return ""  # no number Excel can hold
            return f'<c r="{ref}"{self.styles.get(kind, "")}><v>{value:.16G}</v></c>'
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            value = value.replace(tzinfo=None, microsecond=0)
            if kind == "date":
                value = value.date()
        if isinstance(value, datetime.date):
            style = self.styles["datetime" if isinstance(value, datetime.datetime) else "date"]
            serial = self.ws._convert_date_time(value)
            return f'<c r="{ref}"{style}><v>{serial:.16G}</v></c>'
        return self.text(str(value), ref)

    def text(self, text: str, ref: str) -> str:
        if len(text) > _SHORT_TEXT and _utf16_len(text) > _TEXT_MAX:
            text = _utf16_truncate(text, _TEXT_MAX)  # what a cell holds, as xlsxwriter cuts it
        style = self.quoted if text.startswith(FORMULA_PREFIXES) else ""
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        # Excel's escapes: a literal "_xHHHH_" keeps its underscore, a control character becomes
        # _xHHHH_; then XML's own.
        text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def write_sheet(
    wb: Workbook,
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
    ws = wb.book.add_worksheet(sheet_title[:31])
    last = max(len(columns), 1) - 1
    exported = timezone.localtime(exported_at) if timezone.is_aware(exported_at) else exported_at
    for index, column in enumerate(columns):
        ws.set_column(index, index, print_width(column))
    _setup_print(ws, unit=unit or title, exported=exported)
    ws.freeze_panes(HEADER_ROW, 0)

    def text_format(value, base=None):
        if not is_formula_like(value):
            return wb.format(**base) if base else None
        return wb.format(**(base or {}), quote_prefix=True)

    ws.set_row(0, 28)
    title_format = text_format(title, _TITLE)
    if last:
        ws.merge_range(0, 0, 0, last, title, title_format)
    else:
        ws.write_string(0, 0, title, title_format)
    line = _("Period: %(period)s    Exported at: %(time)s") % {
        "period": period,
        "time": exported.strftime("%Y-%m-%d %H:%M"),
    }
    if last:
        ws.merge_range(1, 0, 1, last, line, text_format(line))
    else:
        ws.write_string(1, 0, line, text_format(line))
    for index, column in enumerate(columns):
        ws.write_string(2, index, str(column.header), text_format(str(column.header), _HEADER))
    count = _write_rows(wb, ws, columns, rows)
    ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + max(count, 1), last)
    return count


def _write_rows(wb: Workbook, ws, columns: Sequence[Column], rows: Iterable[Sequence]) -> int:
    """The data rows below the header: the header rows are written out first (xlsxwriter holds
    the current row until the next begins), then the rows go to the row file; the sheet's
    dimensions are then set as xlsxwriter would have set them."""
    ws._write_single_row(HEADER_ROW)
    count = _Rows(wb, ws, columns).write_all(rows, HEADER_ROW)
    if count:
        ws.dim_rowmax = HEADER_ROW - 1 + count
        ws.dim_colmax = max(ws.dim_colmax or 0, len(columns) - 1)
    # Nothing held for the last row: closing the sheet writes no row after ours.
    ws.previous_row = HEADER_ROW - 1 + count + 1
    return count


def discard(wb: Workbook) -> None:
    """Drop a workbook that will not be saved (an export that failed half-way): close each
    sheet's stream and remove its temporary file now, not when the worker process exits."""
    for ws in wb.worksheets:
        if ws.row_data_fh is not None and not ws.row_data_fh_closed:
            ws._opt_close()
        if ws.row_data_filename and os.path.exists(ws.row_data_filename):
            os.unlink(ws.row_data_filename)
    wb.closed = True
    wb.file.close()


def save_to_tempfile(wb):
    """The finished file of ``wb`` (ours, or an openpyxl workbook) as an open temporary file,
    rewound."""
    if isinstance(wb, Workbook):
        wb.close()
        wb.file.seek(0)
        return wb.file
    # Closed by the FileResponse once sent.
    handle = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115
    wb.save(handle)
    handle.seek(0)
    return handle


def workbook_response(wb, filename: str) -> FileResponse:
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
