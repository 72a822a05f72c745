"""The monthly work report (工作报告): an area's month on one printable page, or as .xlsx."""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from baobao.db_routers import ReplicaReadMixin
from baobao.mixins import OfficeRequiredMixin
from ledgers.reports import monthly_report, parse_month
from ledgers.views.dashboard import chosen_division
from ledgers.xlsx import Column, new_workbook, workbook_response, write_sheet


class MonthForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
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


def report_workbook(report, *, exported_at):
    """The report as one sheet: a line per area and the total, then the summary below."""
    columns = [
        Column(_("Area"), 18),
        Column(_("Open businesses"), 12, "int"),
        Column(_("Coverage"), 10, "percent"),
        Column(_("Visits in the month"), 12, "int"),
        Column(_("Businesses visited in the month"), 14, "int"),
        Column(_("Due this quarter"), 12, "int"),
        Column(_("Visited this quarter"), 12, "int"),
        Column(_("Supervision rate"), 12, "percent"),
        Column(_("Issues found"), 10, "int"),
        Column(_("Issues closed"), 10, "int"),
        Column(_("Overdue issues"), 10, "int"),
        Column(_("Overdue cadres"), 10, "int"),
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
        % {"month": report.month.strftime("%Y-%m"), "day": report.as_of.isoformat()},
        exported_at=exported_at,
        columns=columns,
        rows=rows,
    )
    return wb


def report_title(report) -> str:
    return _("%(area)s food safety supervision work report, %(month)s") % {
        "area": report.division.name,
        "month": report.month.strftime("%Y-%m"),
    }


class ReportView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """?division=<id>&month=YYYY-MM; &format=xlsx downloads the same report as a workbook."""

    template_name = "ledgers/report.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        today = request.today
        division = chosen_division(user, request)
        form = MonthForm(request.GET, today=today)
        report = None
        if division is not None and form.is_valid():
            report = monthly_report(
                user=user, division=division, month=form.cleaned_data["month"], today=today
            )
            if request.GET.get("format") == "xlsx":
                filename = f"{report_title(report)}.xlsx"
                return workbook_response(report_workbook(report, exported_at=request.now), filename)
        return self.render_to_response(
            self.get_context_data(form=form, report=report, division=division)
        )
