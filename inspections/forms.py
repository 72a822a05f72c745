"""The office pages' forms: a remark on a visit, a status change of an issue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.models import IssueStatus


class RemarkForm(forms.Form):
    text = forms.CharField(
        label=_("Remark"),
        widget=forms.Textarea(attrs={"rows": 3}),
        # The service says why an empty remark is refused, in its own words.
        required=False,
    )


class TransitionForm(forms.Form):
    """One status change; the service decides whether it is allowed from the issue's status."""

    to_status = forms.ChoiceField(choices=IssueStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    photo = forms.FileField(
        label=_("Evidence photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
