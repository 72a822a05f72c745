from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditKind, AuditResult
from baobao.forms import DateWidget


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All")), *AuditKind.choices]
    )
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("All")), *AuditResult.choices]
    )
    text = forms.CharField(label=_("Target or address"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=DateWidget())
    until = forms.DateField(label=_("To"), required=False, widget=DateWidget())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
