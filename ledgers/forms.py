"""Forms of the ledger pages: what to export (ledgers, period) and what to import."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.forms import DateWidget
from inspections.filters import QuarterField
from inspections.quarters import Quarter
from ledgers.exports import ALL, LEDGERS
from ledgers.models import ImportKind, ImportMode
from ledgers.selectors import Period


class PeriodKind:
    ALL = "all"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"
    choices = [
        (QUARTER, gettext_lazy("Quarter")),
        (YEAR, gettext_lazy("Year")),
        (RANGE, gettext_lazy("Date range")),
        (ALL, gettext_lazy("All dates")),
    ]


def _ledger_choices():
    return [(key, ledger.name) for key, ledger in LEDGERS.items()] + [
        (ALL, gettext_lazy("All ledgers, one sheet each"))
    ]


class ExportForm(forms.Form):
    ledger = forms.ChoiceField(label=gettext_lazy("Ledger"), choices=_ledger_choices)
    period_kind = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER
    )
    quarter = QuarterField(
        label=gettext_lazy("Quarter"),
        required=False,
        help_text=gettext_lazy("e.g. 2026Q1"),
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateWidget)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateWidget)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].initial = str(Quarter.of(today))
        self.fields["year"].initial = today.year
        self.fields["year"].max_value = today.year + 1

    def clean(self):
        data = super().clean()
        kind = data.get("period_kind")
        if kind == PeriodKind.QUARTER:
            if not data.get("quarter"):
                self.add_error("quarter", _("Enter a quarter such as 2026Q3."))
            else:
                data["period"] = Period.of_quarter(data["quarter"])
        elif kind == PeriodKind.YEAR:
            if not data.get("year"):
                self.add_error("year", _("Enter a year."))
            else:
                data["period"] = Period.of_year(data["year"])
        elif kind == PeriodKind.RANGE:
            start, end = data.get("date_from"), data.get("date_to")
            if not (start and end):
                self.add_error("date_from", _("Enter both dates of the range."))
            elif start > end:
                self.add_error("date_to", _("The end date is before the start date."))
            else:
                data["period"] = Period(start, end, f"{start:%Y-%m-%d}至{end:%Y-%m-%d}")
        else:
            data["period"] = None
        return data


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the sheet holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024},
                code="file_too_large",
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an Excel file (.xlsx)."), code="file_type")
        upload.seek(0)
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise ValidationError(
                _("This file is not an Excel workbook (.xlsx)."), code="file_type"
            )
        return upload


class ImportRunForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("How to import"),
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
        initial=ImportMode.ALL_OR_NOTHING,
    )
