"""The GET filter forms of the overview pages. Each knows the user: a division or cadre id is only
taken from inside the user's scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baobao.forms import DateWidget
from baobao.models import Division
from baobao.widgets import QuickSelect
from cadres.models import AdjustmentKind, Cadre
from entities.models import Grade


class AreaFilterForm(forms.Form):
    """The area chosen with the level-by-level chooser; an id outside the scope is ignored, as the
    chooser itself ignores it."""

    division = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, **kwargs)

    def clean_division(self) -> Division | None:
        value = self.cleaned_data["division"]
        if value is None:
            return None
        return Division.objects.for_user(self.user).filter(pk=value).first()


class CoverageFilterForm(AreaFilterForm):
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[("", _("All grades")), *Grade.choices],
        widget=QuickSelect(attrs={"data-autosubmit": ""}),
    )


class AdjustmentFilterForm(AreaFilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateWidget)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateWidget)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *AdjustmentKind.choices],
        widget=QuickSelect(attrs={"data-autosubmit": ""}),
    )
    # Set by the cadre links of the ledger and of a cadre's page; a number, never a long select.
    cadre = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_cadre(self) -> Cadre | None:
        value = self.cleaned_data["cadre"]
        if value is None:
            return None
        cadre = Cadre.objects.for_user(self.user).select_related("division").filter(pk=value)
        if not (found := cadre.first()):
            raise ValidationError(
                _("This cadre does not exist or is outside your area."), code="cadre_out_of_scope"
            )
        return found

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
