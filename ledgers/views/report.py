"""The monthly work report (工作报告): an area's month on one printable page, or as .xlsx."""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from audit.models import AuditKind
from audit.services import audit_record
from baobao.db_routers import ReplicaReadMixin
from baobao.mixins import OfficeRequiredMixin
from ledgers.documents.official import docx_response
from ledgers.documents.report import report_document
from ledgers.reports import (
    PERIOD_KINDS,
    ReportPeriod,
    parse_month,
    report_labels,
    work_report,
)
from ledgers.views.dashboard import chosen_division
from ledgers.xlsx import Column, new_workbook, workbook_response, write_sheet

SUMMARY_MAX_LENGTH = 4000


class MonthForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Report for"),
        required=False,
        choices=[
            ("month", gettext_lazy("The month")),
            ("quarter", gettext_lazy("The quarter of the month")),
            ("year", gettext_lazy("The year of the month")),
        ],
    )
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary for the Word document"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, data=None, *, today: datetime.date, **kwargs):
        self.today = today
        super().__init__(data, **kwargs)

    def clean_month(self) -> datetime.date:
        text = self.cleaned_data["month"]
        this_month = self.today.replace(day=1)
        if not text:
            return this_month
        try:
            month = parse_month(text)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a month as YYYY-MM, for example 2026-03."), code="bad_month"
            ) from None
        if month > this_month:
            raise forms.ValidationError(
                _("A report cannot be made for a month that has not begun."), code="future_month"
            )
        return month

    def clean_period(self) -> str:
        return (
            self.cleaned_data["period"] if self.cleaned_data["period"] in PERIOD_KINDS else "month"
        )

    def report_period(self) -> ReportPeriod:
        return ReportPeriod.containing(self.cleaned_data["period"], self.cleaned_data["month"])


def report_workbook(report, *, exported_at):
    """The report as one sheet: a line per area and the total, then the summary below."""
    labels = report_labels(report)
    columns = [
        Column(labels["area"], 18),
        Column(labels["open"], 12, "int"),
        Column(labels["coverage"], 10, "percent"),
        Column(labels["visits"], 12, "int"),
        Column(labels["visited_entities"], 14, "int"),
        Column(labels["due"], 12, "int"),
        Column(labels["visited"], 12, "int"),
        Column(labels["rate"], 12, "percent"),
        Column(labels["issues_found"], 10, "int"),
        Column(labels["issues_closed"], 10, "int"),
        Column(labels["issues_overdue"], 10, "int"),
        Column(labels["overdue_cadres"], 10, "int"),
    ]

    def line(row, name):
        return [
            name,
            row.open,
            row.coverage,
            row.visits,
            row.visited_entities,
            row.due,
            row.visited,
            row.rate,
            row.issues_found,
            row.issues_closed,
            row.issues_overdue,
            row.overdue_cadres,
        ]

    rows = [
        line(row, row.division.name + (_(" (registered directly)") if row.direct else ""))
        for row in report.rows
    ]
    rows.append(line(report.total, _("Total")))
    rows.append([])
    rows.append([report.summary])
    wb = new_workbook()
    write_sheet(
        wb,
        sheet_title=_("Work report"),
        title=report_title(report),
        period=_("%(month)s (figures as of %(day)s)")
        % {"month": report.period.code, "day": report.as_of.isoformat()},
        exported_at=exported_at,
        columns=columns,
        rows=rows,
        unit=report.division.name,
    )
    return wb


def report_title(report) -> str:
    return _("%(area)s food safety supervision work report, %(month)s") % {
        "area": report.division.name,
        "month": report.period.code,
    }


class ReportView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """?division=<id>&month=YYYY-MM[&period=quarter|year]; &format=xlsx downloads the same report
    as a workbook, &format=docx as a Word document (公文) with the office's ``summary``."""

    template_name = "ledgers/report.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        today = request.today
        division = chosen_division(user, request)
        form = MonthForm(request.GET, today=today)
        report = None
        if division is not None and form.is_valid():
            report = work_report(
                user=user, division=division, period=form.report_period(), today=today
            )
            if request.GET.get("format") == "xlsx":
                filename = f"{report_title(report)}.xlsx"
                audit_record(kind=AuditKind.EXPORT, request=request, target=filename)
                return workbook_response(report_workbook(report, exported_at=request.now), filename)
            if request.GET.get("format") == "docx":
                document = report_document(
                    report, issued_on=today, summary=form.cleaned_data["summary"]
                )
                return docx_response(document, f"{report_title(report)}.docx")
        return self.render_to_response(
            self.get_context_data(
                form=form,
                report=report,
                division=division,
                labels=report_labels(report) if report else None,
                summary_max=SUMMARY_MAX_LENGTH,
            )
        )
