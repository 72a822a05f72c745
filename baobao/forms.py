"""Form pieces shared by every app's pages."""

from django import forms
from django.core.exceptions import ValidationError


class DateWidget(forms.DateInput):
    """The browser's date picker, fed ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has one, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
