"""The ledgers' sheets (the five 五本台账 and the 主体责任落实台账): their columns, titles and file names, and the workbook of one or all.

The rows come from ``ledgers.selectors``; the workbook from ``ledgers.xlsx``. The same code writes a
file streamed to the browser and one written by the Celery task.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.models import Division
from baobao.privacy import mask_phones_in, sees_full_phones
from ledgers import selectors
from ledgers.selectors import Period, bounded_count
from ledgers.xlsx import Column, discard, new_workbook, write_sheet
from public.ledger import request_ledger_columns, request_ledger_queryset, request_ledger_rows

ALL = "all"


def _areas() -> list[Column]:
    return [
        Column(_("Province"), 10),
        Column(_("City"), 10),
        Column(_("County/district"), 12),
        Column(_("Township/street"), 14),
        Column(_("Village/community"), 14),
    ]


def _entity_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        *_areas(),
        Column(_("Business name"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Licence number"), 20),
        Column(_("Business type"), 14),
        Column(_("Risk grade"), 8),
        Column(_("Business status"), 8),
        Column(_("Address"), 30),
        Column(_("Zone"), 14),
        Column(_("Food safety director"), 12),
        Column(_("Director's phone"), 14),
        Column(_("Food safety officer"), 12),
        Column(_("Officer's phone"), 14),
        Column(_("Contact phone"), 14),
        Column(_("Responsible cadre"), 12),
        Column(_("Cadre level"), 10),
        Column(_("Cadre's unit"), 20),
        Column(_("Cadre's post"), 16),
        Column(_("Cadre's phone"), 14),
        Column(_("Held since"), 12, "date"),
        Column(_("Escalated (提级包保)"), 10),
        Column(_("Escalation reason"), 24),
        Column(_("Held through zone"), 10),
        Column(_("Registered at"), 17, "datetime"),
    ]


def _cadre_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        *_areas(),
        Column(_("Cadre name"), 12),
        Column(_("Cadre level"), 10),
        Column(_("Unit"), 22),
        Column(_("Post"), 18),
        Column(_("Mobile phone"), 14),
        Column(_("Cadre status"), 8),
        Column(_("Left on"), 12, "date"),
        Column(_("Reason for leaving"), 20),
        Column(_("Businesses held"), 10, "int"),
        Column(_("Of which escalated"), 10, "int"),
        Column(_("Zones held"), 8, "int"),
        Column(_("Assistants (协保员)"), 28),
        Column(_("Liaison (联络员)"), 22),
        Column(_("Commitment letter signed"), 10),
        Column(_("Signed on"), 12, "date"),
    ]


def _adjustment_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        Column(_("Effective date"), 12, "date"),
        Column(_("Kind of adjustment"), 16),
        *_areas(),
        Column(_("Business name"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Risk grade"), 8),
        Column(_("Previous cadre"), 12),
        Column(_("Previous cadre's level"), 10),
        Column(_("Previous cadre's post"), 16),
        Column(_("New cadre"), 12),
        Column(_("New cadre's level"), 10),
        Column(_("New cadre's post"), 16),
        Column(_("Zone"), 14),
        Column(_("Old grade"), 8),
        Column(_("New grade"), 8),
        Column(_("Reason"), 30),
        Column(_("Recorded by"), 12),
        Column(_("Recorded at"), 17, "datetime"),
    ]


def _visit_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        Column(_("Visit date"), 12, "date"),
        Column(_("Visit time"), 17, "datetime"),
        Column(_("Quarter"), 9),
        *_areas(),
        Column(_("Business name"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Risk grade"), 8),
        Column(_("Business type"), 14),
        Column(_("Cadre"), 12),
        Column(_("Cadre level"), 10),
        Column(_("Cadre's post"), 16),
        Column(_("Came along"), 16),
        Column(_("On site"), 8),
        Column(_("Logged by"), 12),
        Column(_("Checks"), 8, "int"),
        Column(_("Passed"), 8, "int"),
        Column(_("Problems"), 8, "int"),
        Column(_("Not applicable"), 8, "int"),
        Column(_("Problems found"), 40),
        Column(_("Findings"), 40),
        Column(_("Issues raised"), 8, "int"),
    ]


def _issue_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        Column(_("Raised at"), 17, "datetime"),
        *_areas(),
        Column(_("Business name"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Risk grade"), 8),
        Column(_("Visit time"), 17, "datetime"),
        Column(_("Cadre"), 12),
        Column(_("Cadre level"), 10),
        Column(_("Category"), 14),
        Column(_("Severity"), 8),
        Column(_("Description"), 40),
        Column(_("Who must act"), 12),
        Column(_("Name of who must act"), 16),
        Column(_("Rectification deadline"), 12, "date"),
        Column(_("Issue status"), 14),
        Column(_("Overdue"), 8),
        Column(_("Days overdue"), 8, "int"),
        Column(_("Closed at"), 17, "datetime"),
        Column(_("Days to close"), 8, "int"),
        Column(_("Latest handling note"), 30),
        Column(_("Raised by"), 12),
    ]


def _self_record_columns() -> list[Column]:
    return [
        Column(_("No."), 7, "int"),
        Column(_("Record for"), 12, "date"),
        *_areas(),
        Column(_("Business name"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Risk grade"), 8),
        Column(_("Business type"), 14),
        Column(_("Record"), 16),
        Column(_("Submitted at"), 17, "datetime"),
        Column(_("Submitted by"), 12),
        Column(_("Problems"), 8, "int"),
        Column(_("Still open"), 8, "int"),
        Column(_("Corrects the record for"), 12, "date"),
        Column(_("Summary"), 40),
    ]


@dataclass(frozen=True)
class Ledger:
    key: str
    name: object  # lazily translated ledger name
    dated: bool  # whether a period applies
    columns: Callable[[], list[Column]]
    queryset: Callable
    rows: Callable


LEDGERS = {
    ledger.key: ledger
    for ledger in (
        Ledger(
            "entities",
            gettext_lazy("Entities ledger (包保主体台账)"),
            False,
            _entity_columns,
            selectors.entity_ledger_queryset,
            selectors.entity_ledger_rows,
        ),
        Ledger(
            "cadres",
            gettext_lazy("Cadres ledger (包保干部台账)"),
            False,
            _cadre_columns,
            selectors.cadre_ledger_queryset,
            selectors.cadre_ledger_rows,
        ),
        Ledger(
            "adjustments",
            gettext_lazy("Dynamic adjustments ledger (包保干部动态调整台账)"),
            True,
            _adjustment_columns,
            selectors.adjustment_ledger_queryset,
            selectors.adjustment_ledger_rows,
        ),
        Ledger(
            "visits",
            gettext_lazy("Supervision ledger (包保督导工作台账)"),
            True,
            _visit_columns,
            selectors.visit_ledger_queryset,
            selectors.visit_ledger_rows,
        ),
        Ledger(
            "issues",
            gettext_lazy("Issues ledger (问题与处理台账)"),
            True,
            _issue_columns,
            selectors.issue_ledger_queryset,
            selectors.issue_ledger_rows,
        ),
        Ledger(
            "self_records",
            gettext_lazy("Business self-management ledger (企业主体责任落实台账)"),
            True,
            _self_record_columns,
            selectors.self_record_ledger_queryset,
            selectors.self_record_ledger_rows,
        ),
        Ledger(
            "requests",
            gettext_lazy("Public requests ledger (群众诉求台账)"),
            True,
            lambda: [Column(*column) for column in request_ledger_columns()],
            request_ledger_queryset,
            request_ledger_rows,
        ),
    )
}


def ledger_keys(choice: str) -> list[str]:
    return list(LEDGERS) if choice == ALL else [choice]


def _area_name(division: Division | None) -> str:
    return division.name if division else _("All areas")


def _period_text(ledger: Ledger, period: Period | None, today: datetime.date) -> str:
    if not ledger.dated:
        return _("As of %(date)s") % {"date": today.isoformat()}
    if period is None or not period.bounded:
        return _("All dates")
    return period.label


def export_filename(*, keys: list[str], division, period: Period | None, today) -> str:
    """A Chinese file name naming area, ledger(s) and period, e.g. 碧江区_包保主体台账_2026Q1.xlsx."""
    what = str(LEDGERS[keys[0]].name) if len(keys) == 1 else _("All ledgers")
    when = period.label if period and period.bounded else today.strftime("%Y%m%d")
    name = "_".join([_area_name(division), what, when]).replace("/", "-")
    return f"{name}.xlsx"


def export_size(*, user, keys: list[str], division, period: Period | None, limit: int) -> int:
    """Rows the export would hold, counted no further than ``limit + 1`` per ledger."""
    return sum(
        bounded_count(LEDGERS[key].queryset(user=user, division=division, period=period), limit)
        for key in keys
    )


def export_workbook(
    *,
    user,
    keys: list[str],
    division,
    period: Period | None,
    exported_at: datetime.datetime,
    progress: Callable[[int], None] | None = None,
):
    """The workbook of the chosen ledgers, one sheet each; ``progress`` is told the rows written
    so far every few thousand rows."""
    today = timezone.localdate(exported_at)
    wb = new_workbook()
    written = 0
    try:
        for key in keys:
            ledger = LEDGERS[key]
            rows = ledger.rows(user=user, division=division, period=period, today=today)
            if not sees_full_phones(user):
                rows = _masked(rows, ledger.columns())
            if progress is not None:
                rows = _reporting(rows, progress, start=written)
            written += write_sheet(
                wb,
                sheet_title=str(ledger.name).split("(")[-1].rstrip(")") or key,
                title=f"{_area_name(division)} {ledger.name}",
                unit=_area_name(division),
                period=_period_text(ledger, period, today),
                exported_at=exported_at,
                columns=ledger.columns(),
                rows=rows,
            )
            if progress is not None:
                progress(written)
    except BaseException:
        discard(wb)
        raise
    return wb


def _phone_headers() -> set[str]:
    """The columns that hold phone numbers, alone or beside names (the aides' columns)."""
    return {
        str(header)
        for header in (
            _("Director's phone"),
            _("Officer's phone"),
            _("Contact phone"),
            _("Cadre's phone"),
            _("Mobile phone"),
            _("Assistants (协保员)"),
            _("Liaison (联络员)"),
        )
    }


def _masked(rows, columns):
    """Rows with every phone number masked (138****5678), for roles that do not call people."""
    at = [i for i, column in enumerate(columns) if str(column.header) in _phone_headers()]
    for row in rows:
        row = list(row)
        for i in at:
            row[i] = mask_phones_in(row[i])
        yield tuple(row)


def _reporting(rows, progress, *, start: int, every: int | None = None):
    every = every or settings.EXPORT_PROGRESS_EVERY
    for n, row in enumerate(rows, 1):
        yield row
        if n % every == 0:
            progress(start + n)
