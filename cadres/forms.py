"""Forms of the cadre register and of assignment work. They check the input's shape and offer
only what the user may choose; the rules (level, area, aides, dates) are the services'."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baobao.forms import DateWidget
from baobao.models import Division, Level
from baobao.services import REASON_MAX_LENGTH
from baobao.uploads import clean_document
from baobao.validators import validate_mobile, validate_phone
from cadres.models import AideKind


class CommitmentForm(forms.Form):
    """The signed 食品安全责任与任务承诺书: signing date and the scanned letter."""

    signed_on = forms.DateField(label=_("Signed on"), widget=DateWidget)
    scan = forms.FileField(
        label=_("Scanned letter (PDF or image)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > self.today:
            raise ValidationError(_("The signing date cannot be in the future."))
        return signed_on

    def clean_scan(self):
        # Stored as re-encoded: an image loses its EXIF and GPS; a PDF must parse.
        return clean_document(self.cleaned_data["scan"])


def date_field(label, *, required=False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateWidget,
        help_text=None if required else _("Today if left empty."),
    )


def reason_field(label=None, *, required=True, help_text=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=required,
        help_text=help_text,
    )


def escalation_reason_field() -> forms.CharField:
    return reason_field(
        _("Escalation reason (提级包保)"),
        required=False,
        help_text=_("Needed when the cadre is above the level the business's grade requires."),
    )


# --- the cadre picker ----------------------------------------------------------------------


def cadre_label(cadre) -> str:
    return _("%(name)s · %(division)s · holds %(load)d") % {
        "name": cadre.name,
        "division": cadre.division.name,
        "load": cadre.load,
    }


class CadreSelect(forms.Select):
    """A select of cadres; an option whose choice would be an escalation carries
    ``data-escalates`` so that holdings.js can show the escalation reason."""

    def __init__(self, attrs=None):
        super().__init__({"data-cadre-picker": True, **(attrs or {})})
        self.escalating: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.escalating:
            option["attrs"]["data-escalates"] = True
        return option


class CadreChoiceField(forms.TypedChoiceField):
    """A choice among the given cadres only (already scoped and fitting, with ``load``), grouped
    by level in the order given; cleans to the Cadre. Any other id is an invalid choice."""

    widget = CadreSelect

    def __init__(self, *, cadres, level: int | None = None, **kwargs):
        self.cadres = {c.pk: c for c in cadres}
        groups: dict[int, list] = {}
        for c in cadres:
            groups.setdefault(c.division.level, []).append((c.pk, cadre_label(c)))
        choices = [("", _("— choose a cadre —"))] + [
            (Level(lvl).label, options) for lvl, options in groups.items()
        ]
        kwargs.setdefault("label", _("Cadre"))
        super().__init__(choices=choices, coerce=int, empty_value=None, **kwargs)
        if level is not None:
            self.widget.escalating = {str(c.pk) for c in cadres if c.division.level < level}

    def clean(self, value):
        pk = super().clean(value)
        return None if pk is None else self.cadres[pk]


# --- the cadre register --------------------------------------------------------------------


class CadreForm(forms.Form):
    """A cadre's own details. The area is chosen level by level above the form and arrives here
    as a hidden id, checked against the user's scope again."""

    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    commitment_signed_on = date_field(_("Commitment letter signed on"))
    division = forms.ModelChoiceField(
        queryset=Division.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the area the cadre serves."),
            "invalid_choice": _("Choose an area inside your own."),
        },
    )

    def __init__(self, *args, user, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["division"].queryset = Division.objects.for_user(user)
        self.fields["commitment_signed_on"].help_text = None

    def clean_commitment_signed_on(self):
        signed_on = self.cleaned_data["commitment_signed_on"]
        if signed_on and signed_on > self.today:
            raise ValidationError(_("The signing date cannot be in the future."))
        return signed_on


class AideForm(forms.Form):
    """One 协保员 or 联络员 on the cadre form; all empty means there is none."""

    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)

    @property
    def filled(self) -> bool:
        return any((self.data.get(self.add_prefix(f)) or "").strip() for f in self.fields)

    def clean(self):
        data = super().clean()
        if self.filled:
            for name in ("name", "phone"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Give the name and phone of this person."))
        return data

    @property
    def aide_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("name", "phone", "unit", "post")}


class AideAddForm(AideForm):
    """A new 协保员 or 联络员 for a cadre (aide_add)."""

    kind = forms.ChoiceField(label=_("Role"), choices=AideKind.choices)
    field_order = ["kind", "name", "phone", "unit", "post"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["phone"].required = True


# --- assignment work -----------------------------------------------------------------------


class AssignForm(forms.Form):
    """Assign an unheld business (新增包保)."""

    escalation_reason = escalation_reason_field()
    reason = reason_field(_("Note"), required=False)
    start_date = date_field(_("Start date"))

    def __init__(self, *args, cadres, level, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"] = CadreChoiceField(cadres=cadres, level=level)
        self.order_fields(["cadre"])


class TransferForm(forms.Form):
    """Move one holding to another cadre (调整包保干部)."""

    escalation_reason = escalation_reason_field()
    reason = reason_field()
    effective_date = date_field(_("Effective date"))

    def __init__(self, *args, cadres, level, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_cadre"] = CadreChoiceField(cadres=cadres, level=level, label=_("New cadre"))
        self.order_fields(["to_cadre"])


class EndForm(forms.Form):
    """End a holding or a zone holding (解除包保); what it held becomes a coverage gap."""

    reason = reason_field()
    effective_date = date_field(_("Effective date"))


class BulkTransferForm(forms.Form):
    """Move several or all of a cadre's direct holdings to one successor (批量调整)."""

    everything = forms.BooleanField(label=_("Move all of them"), required=False)
    escalation_reason = escalation_reason_field()
    reason = reason_field()
    effective_date = date_field(_("Effective date"))

    def __init__(self, *args, rows, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = {row.assignment.pk: row for row in rows}
        self.fields["holdings"] = forms.TypedMultipleChoiceField(
            label=_("Holdings to move"),
            choices=[
                (
                    row.assignment.pk,
                    f"{row.assignment.entity.name} · {row.assignment.entity.grade} · "
                    f"{row.assignment.entity.division.name}",
                )
                for row in rows
            ],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        lowest = max((row.required_level for row in rows), default=None)
        self.fields["to_cadre"] = CadreChoiceField(
            cadres=cadres, level=lowest, label=_("Successor")
        )
        self.order_fields(["holdings", "everything", "to_cadre"])

    def clean(self):
        data = super().clean()
        chosen = list(self.rows) if data.get("everything") else data.get("holdings", [])
        if not chosen and "holdings" not in self.errors:
            self.add_error("holdings", _("Choose the holdings to move, or tick “all of them”."))
        data["assignments"] = [self.rows[pk].assignment for pk in chosen]
        return data


class ZoneAssignForm(forms.Form):
    """A cadre takes a whole zone (分片包保)."""

    reason = reason_field()
    start_date = date_field(_("Start date"))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"] = CadreChoiceField(cadres=cadres)
        self.order_fields(["cadre"])


class ZoneTransferForm(forms.Form):
    """Hand a whole zone to another cadre; every business held through it moves with it."""

    reason = reason_field()
    effective_date = date_field(_("Effective date"))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_cadre"] = CadreChoiceField(cadres=cadres, label=_("New cadre"))
        self.order_fields(["to_cadre"])


class LeaveForm(forms.Form):
    """A cadre leaves their post (离岗), and in the same step their holdings go to one successor,
    each to its own, or stay unassigned (they then show on the coverage page)."""

    ALL, EACH, NONE = "all", "each", "none"

    left_on = date_field(_("Left on"))
    reason = reason_field(_("Reason for leaving"))
    mode = forms.ChoiceField(
        label=_("Their businesses"),
        widget=forms.RadioSelect,
        choices=[
            (ALL, _("All to one successor")),
            (EACH, _("One by one")),
            (NONE, _("Leave them unassigned for now")),
        ],
        initial=ALL,
    )
    escalation_reason = escalation_reason_field()

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        lowest = max((row.required_level for row in plan.direct), default=None)
        self.fields["successor"] = CadreChoiceField(
            cadres=plan.for_all, level=lowest, required=False, label=_("Successor for all")
        )
        for row in plan.direct:
            entity = row.assignment.entity
            self.fields[self.direct_field(row)] = CadreChoiceField(
                cadres=row.candidates, level=row.required_level, required=False, label=entity.name
            )
        for row in self.zones_with_holdings:
            self.fields[self.zone_field(row)] = CadreChoiceField(
                cadres=row.candidates, required=False, label=row.zone_assignment.zone.name
            )
        if not plan.count:
            for name in ("mode", "successor", "escalation_reason"):
                del self.fields[name]

    @staticmethod
    def direct_field(row) -> str:
        return f"entity_{row.assignment.entity_id}"

    @staticmethod
    def zone_field(row) -> str:
        return f"zone_{row.zone_assignment.pk}"

    @property
    def zones_with_holdings(self):
        return [row for row in self.plan.zones if row.assignments]

    def direct_rows(self):
        """(row, bound field) for the template's one-by-one table."""
        return [(row, self[self.direct_field(row)]) for row in self.plan.direct]

    def zone_rows(self):
        return [
            (row, self[self.zone_field(row)] if row.assignments else None)
            for row in self.plan.zones
        ]

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.ALL and not data.get("successor"):
            self.add_error("successor", _("Choose the successor who takes all of them."))
        return data

    def handover(self) -> tuple[object, dict]:
        """``successor`` and ``successors`` for cadre_leave."""
        mode = self.cleaned_data.get("mode", self.NONE)
        if mode == self.ALL:
            return self.cleaned_data["successor"], {}
        plan = {}
        if mode == self.EACH:
            for row in self.plan.direct:
                if cadre := self.cleaned_data.get(self.direct_field(row)):
                    plan[row.assignment.entity_id] = cadre
            for row in self.zones_with_holdings:
                if cadre := self.cleaned_data.get(self.zone_field(row)):
                    plan.update({a.entity_id: cadre for a in row.assignments})
        return None, plan
