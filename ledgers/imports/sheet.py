"""The import sheets: their columns, the downloadable templates, and reading an uploaded sheet."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entities.models import BusinessType
from ledgers.imports.guard import SheetError, workbook_check
from ledgers.models import ImportKind

CHUNK = 2000
HEADER_SEARCH_ROWS = 5


class Action:
    CREATE = "create"
    CHANGE = "change"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    ALL = (CREATE, CHANGE, UNCHANGED, REFUSED)


@dataclass(frozen=True)
class Field:
    name: str
    header: object  # lazily translated header text
    required: bool = False
    example: object = ""
    note: object = ""


ENTITY_FIELDS = [
    Field("name", gettext_lazy("Business name"), True, "金滩饭店"),
    Field(
        "uscc",
        gettext_lazy("Unified social credit code"),
        False,
        "91520602MA6DK1239P",
        gettext_lazy("18 characters; may be empty only for food stalls"),
    ),
    Field("licence_no", gettext_lazy("Licence number"), False, "JY15206020000001"),
    Field("business_type", gettext_lazy("Business type"), True, BusinessType.CATERING.label),
    Field("grade", gettext_lazy("Risk grade"), True, "C", gettext_lazy("A, B, C or D")),
    Field(
        "division",
        gettext_lazy("Division code"),
        True,
        "520602001001",
        gettext_lazy("6, 9 or 12 digit code of the division the business is in"),
    ),
    Field("address", gettext_lazy("Address")),
    Field("director_name", gettext_lazy("Food safety director")),
    Field("director_phone", gettext_lazy("Director's phone")),
    Field("officer_name", gettext_lazy("Food safety officer")),
    Field("officer_phone", gettext_lazy("Officer's phone")),
    Field("contact_phone", gettext_lazy("Contact phone"), False, "0856-5221234"),
]
CADRE_FIELDS = [
    Field("name", gettext_lazy("Cadre name"), True, "张三"),
    Field(
        "division",
        gettext_lazy("Division code"),
        True,
        "520602000000",
        gettext_lazy("the division the cadre serves; its level is the cadre's level"),
    ),
    Field("unit", gettext_lazy("Unit"), False, "碧江区人民政府"),
    Field("post", gettext_lazy("Post"), False, "副区长"),
    Field(
        "phone",
        gettext_lazy("Mobile phone"),
        True,
        "13985600001",
        gettext_lazy("11-digit mobile number; identifies the cadre"),
    ),
    Field("commitment_signed_on", gettext_lazy("Signed on"), False, "2026-01-08"),
    Field(
        "assistant1_name",
        gettext_lazy("Assistant 1 name"),
        False,
        "李四",
        gettext_lazy("city and county cadres need 1 or 2 assistants"),
    ),
    Field("assistant1_phone", gettext_lazy("Assistant 1 phone"), False, "13985600002"),
    Field("assistant2_name", gettext_lazy("Assistant 2 name")),
    Field("assistant2_phone", gettext_lazy("Assistant 2 phone")),
    Field("liaison_name", gettext_lazy("Liaison name")),
    Field("liaison_phone", gettext_lazy("Liaison phone")),
]
HOLDING_FIELDS = [
    Field(
        "entity",
        gettext_lazy("Credit code or licence number of the business"),
        True,
        "91520602MA6DK1239P",
    ),
    Field("cadre_phone", gettext_lazy("Cadre's mobile phone"), True, "13985600001"),
    Field(
        "start_date",
        gettext_lazy("Start date"),
        False,
        "2026-01-01",
        gettext_lazy("empty means today"),
    ),
    Field(
        "escalation_reason",
        gettext_lazy("Escalation reason"),
        False,
        "",
        gettext_lazy("required when the cadre is above the level the grade needs"),
    ),
    Field(
        "reason",
        gettext_lazy("Reason"),
        False,
        "",
        gettext_lazy("why the holder changes; empty means imported from a spreadsheet"),
    ),
]
FIELDS = {
    ImportKind.ENTITIES: ENTITY_FIELDS,
    ImportKind.CADRES: CADRE_FIELDS,
    ImportKind.HOLDINGS: HOLDING_FIELDS,
}
ENTITY_COMPARED = [f.name for f in ENTITY_FIELDS if f.name not in ("division", "uscc")]


def site_label(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# ---------------------------------------------------------------- reading


def _text(value) -> str:
    """A cell as text: numbers typed into a cell (a phone, a code) lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def read_rows(file, kind: str) -> Iterator[tuple[int, dict]]:
    """(row number, {field: text}) for every non-empty row under the header row of the workbook
    in the binary ``file``.

    The workbook is checked before it is parsed (``guard.workbook_check``: not a zip bomb, a
    bounded shared-strings table). The header is looked for in the first few rows (an exported
    ledger has a title above it); a missing required column or too many rows is refused as a
    whole. Every row read counts against IMPORT_MAX_ROWS, blank or not.
    """
    fields = FIELDS[kind]
    workbook_check(file)
    try:
        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise SheetError(
            _("The file could not be read as an Excel workbook."), code="unreadable"
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        by_header = {site_label(f.header): f.name for f in fields}
        columns = None
        row_no = 0
        for row in rows:
            row_no += 1
            names = [by_header.get(_text(v)) for v in row]
            if sum(1 for n in names if n) >= sum(1 for f in fields if f.required):
                columns = names
                break
            if row_no >= HEADER_SEARCH_ROWS:
                break
        if columns is None:
            raise SheetError(
                _("No header row found; download the template and keep its first row."),
                code="no_header",
            )
        missing = [site_label(f.header) for f in fields if f.required and f.name not in columns]
        if missing:
            raise SheetError(
                _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)},
                code="missing_columns",
            )
        for count, row in enumerate(rows, 1):
            row_no += 1
            # Counted before anything is skipped: a million rows with values only in columns
            # the import ignores are still a million rows to read.
            if count > settings.IMPORT_MAX_ROWS:
                raise SheetError(
                    _("The sheet has more than %(n)d rows; split it into smaller files.")
                    % {"n": settings.IMPORT_MAX_ROWS},
                    code="too_many_rows",
                )
            values = {}
            for name, value in zip(columns, row, strict=False):
                if name:
                    values[name] = _text(value)
            if any(values.values()):
                yield row_no, values
    finally:
        wb.close()
