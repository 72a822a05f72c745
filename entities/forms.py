"""Forms of the business and zone registers. They check the input and the scope of every chosen
id; the services make the change and have the last word (their refusals are shown on the form)."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baobao.forms import DateWidget
from baobao.models import Division
from baobao.services import REASON_MAX_LENGTH
from baobao.validators import USCC_INPUT_MAX_LENGTH, normalize_uscc
from entities.models import Entity, EntityStatus, Grade, Zone
from entities.services import ENTITY_EDITABLE_FIELDS


class ZoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.division.name}）"


class ScopedDivisionField(forms.ModelChoiceField):
    """A division id from the level-by-level area picker, accepted only inside the user's scope.

    It is rendered by templates/entities/_area_picker.html, never as one select of every division.
    """

    widget = forms.HiddenInput

    def __init__(self, *, user, **kwargs):
        kwargs.setdefault("label", _("Area"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose the area of this business."),
                "invalid_choice": _("This area is not in your scope."),
            },
        )
        super().__init__(queryset=Division.objects.for_user(user), **kwargs)


class EntityForm(forms.ModelForm):
    """The register entry of a business; ``grade`` and its reason only when it is created."""

    class Meta:
        model = Entity
        fields = [
            "name",
            "uscc",
            "licence_no",
            "business_type",
            "grade",
            "division",
            "zone",
            "address",
            "director_name",
            "director_phone",
            "officer_name",
            "officer_phone",
            "contact_phone",
        ]

    grade_reason = forms.CharField(
        label=_("Grading basis"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Optional; recorded in the grade history."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A code pasted from a licence ("9135 0100 M000 100Y 43") is longer than the 18 stored
        # characters until clean_uscc drops its separators.
        uscc = self.fields["uscc"]
        uscc.max_length = USCC_INPUT_MAX_LENGTH
        uscc.validators = [v for v in uscc.validators if not isinstance(v, MaxLengthValidator)]
        uscc.widget.attrs["maxlength"] = str(USCC_INPUT_MAX_LENGTH)
        self.fields["division"] = ScopedDivisionField(user=user)
        self.fields["zone"] = ZoneChoiceField(
            queryset=Zone.objects.for_user(user).select_related("division").order_by("name"),
            required=False,
            label=_("Zone"),
            empty_label=_("Not in a zone"),
        )
        if self.instance.pk:
            del self.fields["grade"]
            del self.fields["grade_reason"]
        else:
            self.order_fields([*self.Meta.fields[:5], "grade_reason"])

    def clean_uscc(self) -> str:
        return normalize_uscc(self.cleaned_data["uscc"])

    def service_kwargs(self) -> dict:
        """The cleaned data as ``entity_create`` / ``entity_update`` take it."""
        data = {name: self.cleaned_data[name] for name in ENTITY_EDITABLE_FIELDS}
        data["division"] = self.cleaned_data["division"]
        data["zone"] = self.cleaned_data["zone"]
        if not self.instance.pk:
            data["grade"] = self.cleaned_data["grade"]
            data["grade_reason"] = self.cleaned_data["grade_reason"]
        return data


class RegradeForm(forms.Form):
    new_grade = forms.ChoiceField(label=_("New grade"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason for this change.")},
    )
    effective_date = forms.DateField(
        label=_("Effective date"), widget=DateWidget(), initial=timezone.localdate
    )

    def __init__(self, *args, entity: Entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_grade"].choices = [
            (value, label) for value, label in Grade.choices if value != entity.grade
        ]


# The action each target status stands for on a business's status page.
STATUS_ACTIONS = {
    EntityStatus.ACTIVE: _("Resume (back in business)"),
    EntityStatus.SUSPENDED: _("Suspend"),
    EntityStatus.CLOSED: _("Close (deregistered or shut down)"),
}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Change to"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason for this change.")},
    )
    effective_date = forms.DateField(
        label=_("Effective date"), widget=DateWidget(), initial=timezone.localdate
    )

    def __init__(self, *args, entity: Entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status.value, label)
            for status, label in STATUS_ACTIONS.items()
            if status != entity.status
        ]


class ZoneForm(forms.ModelForm):
    """A zone (片区); its area is chosen once, when it is created."""

    class Meta:
        model = Zone
        fields = ["name", "kind", "division", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["division"]
        else:
            self.fields["division"] = ScopedDivisionField(
                user=user,
                error_messages={
                    "required": _("Choose the area of this zone."),
                    "invalid_choice": _("This area is not in your scope."),
                },
            )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
