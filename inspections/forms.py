"""The forms of the supervision pages: a remark on a visit and a status change of an issue (office
pages), and the cadre's visit form with its checklist and the issues it raises (phone pages)."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from baobao.forms import DateWidget
from inspections.models import (
    ActorKind,
    CheckResult,
    IssueCategory,
    IssueSeverity,
    IssueStatus,
)


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


class RectificationForm(TransitionForm):
    """The cadre's rectification report on the phone: a status change with its own idempotency
    key, so that the phone's queue may send it twice."""

    to_status = forms.ChoiceField(
        label=_("Status"), choices=IssueStatus.choices, widget=forms.RadioSelect
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


# --- the cadre's visit form (督导记录) ---------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by content and size in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def _camera(attrs=None) -> dict:
    # Straight from the phone's camera, or from its gallery where the browser offers both.
    return {"accept": "image/*", "capture": "environment", **(attrs or {})}


def _optional_number(text: str, kind, low, high):
    """A browser-reported coordinate or accuracy, or None when absent or garbled: the location
    is a hint attached to the visit, never a reason to refuse it."""
    try:
        value = kind(text)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return value if low <= value <= high else None


class VisitForm(forms.Form):
    """The visit's own fields; the checklist and the issues are forms of their own (see
    ``CheckForm`` and ``IssueForm``), prefixed by item."""

    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("Say when the visit took place.")},
    )
    on_site = forms.TypedChoiceField(
        label=_("On site"),
        choices=[("yes", _("Yes, on site")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={"required": _("Say whether the visit was on site.")},
    )
    companion_aides = forms.MultipleChoiceField(
        label=_("Came along"), required=False, widget=forms.CheckboxSelectMultiple
    )
    companions_other = forms.CharField(
        label=_("Others who came along"), required=False, max_length=100
    )
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(
        label=_("Photos"), required=False, widget=MultipleFileInput(attrs=_camera())
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy_m = forms.CharField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, aides=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companion_aides"].choices = [(name, name) for name in aides]
        if not aides:
            del self.fields["companion_aides"]

    def clean_latitude(self):
        return _optional_number(self.cleaned_data["latitude"], Decimal, -90, 90)

    def clean_longitude(self):
        return _optional_number(self.cleaned_data["longitude"], Decimal, -180, 180)

    def clean_accuracy_m(self):
        value = _optional_number(self.cleaned_data["accuracy_m"], float, 0, 10**7)
        return None if value is None else round(value)

    def clean(self):
        data = super().clean()
        for name in ("latitude", "longitude"):
            value = data.get(name)
            if value is not None:
                data[name] = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        if data.get("latitude") is None or data.get("longitude") is None:
            data["latitude"] = data["longitude"] = data["accuracy_m"] = None
        names = [*data.get("companion_aides", []), data.get("companions_other", "").strip()]
        data["companions"] = "、".join(name for name in names if name)
        return data


class CheckForm(forms.Form):
    """One checklist item: pass / problem / not applicable, and a note. No default result: a
    "pass" the cadre never chose would be a false line in the ledger."""

    result = forms.ChoiceField(
        choices=CheckResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Mark this item as pass, problem or not applicable.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["result"].label = item.text


class IssueForm(forms.Form):
    """An issue raised in the visit, for a "problem" item or for the findings; its fields are
    needed only when ``raise_issue`` is ticked."""

    raise_issue = forms.BooleanField(label=_("Raise an issue"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *IssueCategory.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=IssueSeverity.choices,
        initial=IssueSeverity.GENERAL,
        required=False,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("Rectification deadline"), required=False, widget=DateWidget)
    actor_kind = forms.ChoiceField(
        label=_("Who must act"),
        choices=ActorKind.choices,
        initial=ActorKind.BUSINESS,
        required=False,
    )
    actor_name = forms.CharField(label=_("Name of who must act"), required=False, max_length=100)
    photo = forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs=_camera())
    )

    REQUIRED = {
        "category": _("Choose the issue's category."),
        "severity": _("Choose the issue's severity."),
        "description": _("Describe the issue."),
        "actor_kind": _("Say who must act on the issue."),
    }

    def clean(self):
        data = super().clean()
        if data.get("raise_issue"):
            for name, message in self.REQUIRED.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    @property
    def raised(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data["raise_issue"]

    def issue_data(self) -> dict:
        """The issue as ``visit_record`` takes it."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "category",
                "severity",
                "description",
                "deadline",
                "actor_kind",
                "actor_name",
                "photo",
            )
        }


def deadline_help(deadline_days: dict[str, int]) -> str:
    """The office's rectification periods by severity, as the form says them."""
    return _("Left empty: %(days)s.") % {
        "days": "; ".join(
            _("%(severity)s %(n)s days") % {"severity": IssueSeverity(severity).label, "n": n}
            for severity, n in deadline_days.items()
        )
    }
