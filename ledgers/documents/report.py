"""The work report (包保督导工作报告) as a Word document in the official layout: the title, the
summary (the generated one, or the office's own text), the key figures, a table per child area,
space for next steps, and the unit and date to sign off."""

import datetime

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from ledgers.documents.official import new_document, paragraph, save, table
from ledgers.reports import FIGURES, MonthlyReport, figure_text, report_labels

# Two tables a portrait page holds (156 mm): coverage and visits, then issues.
VISIT_FIGURES = ("open", "coverage", "visits", "visited_entities", "due", "visited", "rate")
ISSUE_FIGURES = ("issues_found", "issues_closed", "issues_overdue", "overdue_cadres")


def report_document_title(report: MonthlyReport) -> str:
    return _("%(area)s food safety supervision work report, %(month)s") % {
        "area": report.division.name,
        "month": report.period.label,
    }


def chinese_date(day: datetime.date) -> str:
    return _("%(month)s/%(day)s/%(year)s") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def _area_name(row) -> str:
    return row.division.name + (_(" (registered directly)") if row.direct else "")


def report_document(
    report: MonthlyReport,
    *,
    issued_on: datetime.date,
    summary: str = "",
    template: bytes | None = None,
) -> bytes:
    """The report as .docx bytes; ``summary`` replaces the generated paragraph when given."""
    doc = new_document(template)
    labels = report_labels(report)
    paragraph(doc, report_document_title(report), "Title", indent=False)
    for text in (summary or report.summary).splitlines():
        if text.strip():
            paragraph(doc, text.strip())
    paragraph(doc, _("1. Key figures"), "Heading 1")
    paragraph(
        doc,
        _("Figures as of %(day)s; supervision rate of %(quarter)s; overdue cadres of %(ended)s.")
        % {
            "day": report.as_of.isoformat(),
            "quarter": report.quarter,
            "ended": report.ended_quarter,
        },
    )
    for name in FIGURES:
        paragraph(doc, f"{labels[name]}：{figure_text(report.total, name)}")
    paragraph(doc, _("2. By area"), "Heading 1")
    for heading, names in (
        (_("(1) Coverage and supervision visits"), VISIT_FIGURES),
        (_("(2) Issues and overdue cadres"), ISSUE_FIGURES),
    ):
        paragraph(doc, heading, "Heading 2")
        rows = [[_area_name(row), *(figure_text(row, n) for n in names)] for row in report.rows]
        rows.append([_("Total"), *(figure_text(report.total, n) for n in names)])
        table(doc, [labels["area"], *(labels[n] for n in names)], rows)
    paragraph(doc, _("3. Next steps"), "Heading 1")
    paragraph(doc, _("(To be written by the office before filing.)"))
    paragraph(doc, "")
    paragraph(doc, report.division.name, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(doc, chinese_date(issued_on), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return save(doc)
