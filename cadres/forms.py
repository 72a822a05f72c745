from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baobao.uploads import validate_document


class CommitmentForm(forms.Form):
    """The signed 食品安全责任与任务承诺书: signing date and the scanned letter."""

    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scan = forms.FileField(
        label=_("Scanned letter (PDF or image)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise ValidationError(_("The signing date cannot be in the future."))
        return signed_on

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        validate_document(scan)
        return scan
