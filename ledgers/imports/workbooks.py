"""The workbooks the import pages hand out: a template a user can fill (their own divisions on a
sheet, drop-down lists, an example row that passes its own checks) and a checked sheet marked
with its refused rows (highlighted, the reason in a last column)."""

import openpyxl
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from baobao.models import Division, Level
from baobao.validators import uscc_complete
from entities.models import BusinessType, Grade
from ledgers.imports.sheet import FIELDS, HEADER_SEARCH_ROWS, _text, site_label
from ledgers.models import ImportBatch, ImportKind

REFUSED_FILL = PatternFill("solid", fgColor="FFC7CE")
# Rows of the data sheet the drop-down lists cover (the row cap is checked on reading).
VALIDATED_ROWS = 10_000


def _divisions(user) -> list[Division]:
    return list(Division.objects.for_user(user).order_by("code").only("code", "name", "level"))


def _example_division(user, divisions: list[Division], kind: str) -> Division | None:
    """A business sits in a village when the user's area has one; a cadre at the user's level."""
    if kind == ImportKind.ENTITIES:
        villages = [d for d in divisions if d.level == Level.VILLAGE]
        if villages:
            return villages[0]
    own = [d for d in divisions if d.pk == user.division_id]
    return (own or divisions or [None])[0]


def _example(kind: str, field, division: Division | None) -> str:
    if field.name == "division" and division is not None:
        return division.code
    if kind == ImportKind.ENTITIES and field.name == "uscc" and division is not None:
        # An individual business (92) of the division's county, with both check characters
        # computed: the organisation code's (GB 11714) and the code's own.
        return uscc_complete(f"92{division.code[:6]}MA6DK123")
    return site_label(field.example)


def _list_validation(ws, column: int, formula: str, prompt: str) -> None:
    letter = get_column_letter(column)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.error = site_label(gettext_lazy("Choose a value from the list."))
    rule.showErrorMessage = True
    rule.prompt = prompt
    rule.showInputMessage = bool(prompt)
    ws.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")


def import_template(kind: str, *, user) -> openpyxl.Workbook:
    """The template of ``kind`` for ``user``: headers, an example row that passes the import's
    checks for this user, drop-down lists (grade, business type, division), a sheet of the
    user's divisions (name, code, level), and a notes sheet."""
    fields = FIELDS[kind]
    divisions = _divisions(user)
    example_division = _example_division(user, divisions, kind)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = site_label(ImportKind(kind).label)[:31]
    ws.append([site_label(f.header) for f in fields])
    ws.append([_example(kind, f, example_division) for f in fields])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, f in enumerate(fields, 1):
        ws.column_dimensions[get_column_letter(index)].width = max(
            12, len(site_label(f.header)) * 2 + 2
        )
    ws.freeze_panes = "A2"

    places = wb.create_sheet(site_label(gettext_lazy("Divisions")))
    places.append(
        [
            site_label(gettext_lazy("Division")),
            site_label(gettext_lazy("Division code")),
            site_label(gettext_lazy("Level")),
        ]
    )
    for division in divisions:
        places.append([division.name, division.code, site_label(division.get_level_display())])
    places.column_dimensions["A"].width = 24
    places.column_dimensions["B"].width = 16
    lists = wb.create_sheet(site_label(gettext_lazy("Lists")))
    lists.sheet_state = "hidden"
    types = [site_label(label) for _value, label in BusinessType.choices]
    for row, label in enumerate(types, 1):
        lists.cell(row=row, column=1, value=label)
    columns = {f.name: index for index, f in enumerate(fields, 1)}
    if "grade" in columns:
        _list_validation(ws, columns["grade"], f'"{",".join(Grade.values)}"', "")
    if "business_type" in columns:
        _list_validation(
            ws, columns["business_type"], f"{quote_sheetname(lists.title)}!$A$1:$A${len(types)}", ""
        )
    if "division" in columns and divisions:
        _list_validation(
            ws,
            columns["division"],
            f"{quote_sheetname(places.title)}!$B$2:$B${len(divisions) + 1}",
            site_label(gettext_lazy("The codes of your divisions are on the sheet 'Divisions'.")),
        )
    _notes(wb, kind, fields)
    return wb


def _notes(wb: openpyxl.Workbook, kind: str, fields) -> None:
    notes = wb.create_sheet(site_label(gettext_lazy("Notes")))
    notes.append(
        [
            site_label(gettext_lazy("Column")),
            site_label(gettext_lazy("Required")),
            site_label(gettext_lazy("Notes")),
        ]
    )
    for f in fields:
        notes.append([site_label(f.header), site_label(_yes(f.required)), site_label(f.note)])
    notes.append([])
    notes.append(
        [
            site_label(
                gettext_lazy(
                    "The example row passes the checks and is imported like any other row: "
                    "replace or delete it. Rows are matched to the register: businesses by "
                    "credit code, else licence number; cadres by mobile phone. Importing the same file again "
                    "changes nothing."
                )
            )
        ]
    )
    if kind == ImportKind.ENTITIES:
        notes.append(
            [
                site_label(gettext_lazy("Business types")),
                "、".join(str(label) for _v, label in BusinessType.choices),
            ]
        )
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["C"].width = 60


def _yes(flag: bool):
    return gettext_lazy("Yes") if flag else gettext_lazy("No")


def _header_row(ws, kind: str) -> int:
    """The row the reader took as the header (the same rule as ``sheet.read_rows``)."""
    fields = FIELDS[kind]
    by_header = {site_label(f.header) for f in fields}
    required = sum(1 for f in fields if f.required)
    for row_no, row in enumerate(ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), 1):
        if sum(1 for v in row if _text(v) in by_header) >= required:
            return row_no
    return 1


def import_errors_workbook(*, batch: ImportBatch) -> openpyxl.Workbook:
    """The uploaded workbook with each refused row of the dry run filled red and its reasons
    ("column: reason", one per line) in a new last column."""
    refused = {r["row"]: r["errors"] for r in batch.plan if r["errors"]}
    with batch.file.open("rb") as handle:
        wb = openpyxl.load_workbook(handle)
    ws = wb.worksheets[0]
    last = ws.max_column + 1
    header = _header_row(ws, batch.kind)
    ws.cell(row=header, column=last, value=site_label(gettext_lazy("Why refused"))).font = Font(
        bold=True
    )
    ws.column_dimensions[get_column_letter(last)].width = 60
    for row_no, errors in refused.items():
        for cell in ws[row_no]:
            cell.fill = REFUSED_FILL
        reason = ws.cell(row=row_no, column=last, value="\n".join(f"{c}：{r}" for c, r in errors))
        reason.fill = REFUSED_FILL
    return wb
