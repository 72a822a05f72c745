"""The business's phone forms: the daily check (one row per item), the weekly report and the
monthly minutes; the office's account form and import upload, its policy and daily checks."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Position, Requirement
from entities.models import BusinessType, Grade

OK, PROBLEM = "ok", "problem"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class RecordForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, today=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("day", today)
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)


class DailyItemForm(forms.Form):
    result = forms.ChoiceField(
        choices=[(OK, _("Normal (正常)")), (PROBLEM, _("Problem (有问题)"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Mark this item as normal or problem.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    fixed = forms.BooleanField(label=_("Fixed on the spot"), required=False)
    photo = forms.ImageField(label=_("Photo"), required=False)

    def __init__(self, *args, text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text
        self.fields["result"].label = text

    def clean(self):
        data = super().clean()
        if data.get("result") == PROBLEM and not data.get("note"):
            self.add_error("note", _("Say what the problem is."))
        return data


class DailyForm(RecordForm):
    actions = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WeeklyForm(RecordForm):
    problems = forms.IntegerField(label=_("Problems found this week"), min_value=0)
    open_problems = forms.IntegerField(label=_("Still open"), min_value=0)
    found = forms.CharField(label=_("Problems found"), widget=forms.Textarea(attrs={"rows": 4}))
    fixed = forms.CharField(
        label=_("Fixed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    focus = forms.CharField(label=_("Next week's focus"), widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultiplePhotoField(label=_("Photos"))


class MonthlyForm(RecordForm):
    meeting_date = forms.DateField(
        label=_("Meeting date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    attendees = forms.CharField(label=_("Attendees"), max_length=500)
    situation = forms.CharField(
        label=_("The month's situation"), widget=forms.Textarea(attrs={"rows": 3})
    )
    risks = forms.CharField(
        label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 2}))
    focus = forms.CharField(
        label=_("Next month's focus"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultiplePhotoField(label=_("Photos"))


class FixReportForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("Photos"))
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx)"))


class PolicyForm(forms.Form):
    """An office's rule for a business type and grade in its area."""

    business_type = forms.ChoiceField(
        label=_("Business type"),
        choices=[("", _("Any type")), *BusinessType.choices],
        required=False,
    )
    grade = forms.ChoiceField(
        label=_("Grade"), choices=[("", _("Any grade")), *Grade.choices], required=False
    )
    requirement = forms.ChoiceField(
        label=_("Requirement"),
        choices=[*Requirement.choices, ("", _("As the level above (withdraw this area's rule)"))],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CheckItemForm(forms.Form):
    """A check the area adds to the daily record."""

    text = forms.CharField(
        label=_("Check"),
        max_length=200,
        error_messages={"required": _("Write the check.")},
    )
    business_types = forms.MultipleChoiceField(
        label=_("For business types (none: every type)"),
        choices=BusinessType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=100)
