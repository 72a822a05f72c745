"""Assignment work (/holdings/): assign, transfer and end a holding, move several at once, and
the same for whole zones (分片包保). Each action is one service call that writes its own ledger
rows; the page then says what was done and goes back to the business, cadre or zone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from baobao.forms import add_service_error
from baobao.mixins import RegisterWriterRequiredMixin
from cadres.forms import (
    AssignForm,
    BulkTransferForm,
    EndForm,
    TransferForm,
    ZoneAssignForm,
    ZoneTransferForm,
)
from cadres.selectors import (
    access_assignment,
    access_cadre,
    access_zone_assignment,
    cadre_holdings_plan,
    candidates_for_entity,
    candidates_for_zone,
    candidates_for_zone_assignment,
    entity_holders,
    zone_current_holding,
)
from cadres.services import (
    assignment_create,
    assignment_end,
    assignment_transfer,
    assignments_transfer_bulk,
    zone_assign,
    zone_end,
    zone_transfer,
)
from entities.models import EntityStatus
from entities.selectors import access_entity, access_zone


def _id_param(request, name) -> str:
    """The id of the business, zone or cadre an action starts from (?entity=…); 404 if absent."""
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise Http404
    return value


def _current(holding):
    """A holding that has ended cannot be changed any more: such a page does not exist."""
    if holding.end_date is not None:
        raise Http404
    return holding


class HoldingActionView(RegisterWriterRequiredMixin, View):
    """One action on the holdings: ``load`` what it acts on (404 outside the user's scope), show
    the form, call the service once in ``perform``; a refusal lands on the form, success says
    what was done and goes back to where the action started."""

    template_name = "holdings/action.html"
    form_class = None
    title = ""
    submit = ""
    danger = False

    def load(self, request, **kwargs) -> None:
        raise NotImplementedError

    def form_kwargs(self) -> dict:
        return {}

    def perform(self, data) -> tuple[str, str]:
        """Call the service; return (the message saying what was done, where to go next)."""
        raise NotImplementedError

    def context(self, form) -> dict:
        return {}

    def get(self, request, **kwargs):
        self.load(request, **kwargs)
        return self.render(self.form_class(**self.form_kwargs()))

    def post(self, request, **kwargs):
        self.load(request, **kwargs)
        form = self.form_class(request.POST, **self.form_kwargs())
        if form.is_valid():
            try:
                message, next_url = self.perform(form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, message)
                return redirect(next_url)
        return self.render(form)

    def render(self, form):
        context = {"title": self.title, "submit": self.submit, "danger": self.danger, "form": form}
        return render(self.request, self.template_name, {**context, **self.context(form)})


class AssignView(HoldingActionView):
    """Give an unheld business its cadre (新增包保). The picker offers only cadres who fit."""

    form_class = AssignForm
    title = gettext_lazy("Assign a cadre")
    submit = gettext_lazy("Assign")

    def load(self, request):
        self.entity = access_entity(request.user, _id_param(request, "entity"))
        self.held, self.zone_holding = entity_holders(self.entity)

    def form_kwargs(self):
        cadres = candidates_for_entity(user=self.request.user, entity=self.entity)
        return {"cadres": cadres, "level": self.entity.required_level}

    def perform(self, data):
        assignment = assignment_create(
            entity=self.entity,
            cadre=data["cadre"],
            by=self.request.user,
            reason=data["reason"],
            escalation_reason=data["escalation_reason"],
            start_date=data["start_date"],
        )
        text = (
            _("%(entity)s is now held by %(cadre)s (escalated: %(reason)s).")
            if assignment.escalated
            else _("%(entity)s is now held by %(cadre)s.")
        )
        values = {
            "entity": self.entity,
            "cadre": data["cadre"],
            "reason": assignment.escalation_reason,
        }
        return text % values, reverse("entities:detail", args=[self.entity.pk])

    def context(self, form):
        blocked = self.held or self.zone_holding or self.entity.status == EntityStatus.CLOSED
        return {
            "entity": self.entity,
            "held": self.held,
            "entity_zone_holding": self.zone_holding,
            "form": None if blocked else form,
            "no_candidates": not form.fields["cadre"].cadres,
        }


class TransferView(HoldingActionView):
    """Move one holding to another cadre (调整包保干部)."""

    form_class = TransferForm
    title = gettext_lazy("Transfer a holding")
    submit = gettext_lazy("Transfer")

    def load(self, request, pk):
        self.holding = _current(access_assignment(request.user, pk))

    def form_kwargs(self):
        cadres = candidates_for_entity(
            user=self.request.user, entity=self.holding.entity, exclude=(self.holding.cadre_id,)
        )
        return {"cadres": cadres, "level": self.holding.entity.required_level}

    def perform(self, data):
        new = assignment_transfer(
            assignment=self.holding,
            to_cadre=data["to_cadre"],
            reason=data["reason"],
            escalation_reason=data["escalation_reason"],
            effective_date=data["effective_date"],
            by=self.request.user,
        )
        message = _("%(entity)s passed from %(old)s to %(new)s.") % {
            "entity": self.holding.entity,
            "old": self.holding.cadre,
            "new": new.cadre,
        }
        return message, reverse("entities:detail", args=[self.holding.entity_id])

    def context(self, form):
        return {
            "entity": self.holding.entity,
            "holding": self.holding,
            "form": None if self.holding.via_zone_id else form,
            "no_candidates": not form.fields["to_cadre"].cadres,
        }


class EndView(HoldingActionView):
    """End a holding (解除包保): a business's, or with ``zone=True`` a whole zone's; what it held
    is then a coverage gap until assigned again."""

    form_class = EndForm
    danger = True
    zone = False

    def load(self, request, pk):
        if self.zone:
            self.holding = _current(access_zone_assignment(request.user, pk))
            self.title = gettext_lazy("End a zone holding")
            self.submit = gettext_lazy("End the zone holding")
        else:
            self.holding = _current(access_assignment(request.user, pk))
            self.title = gettext_lazy("End a holding")
            self.submit = gettext_lazy("End the holding")

    def perform(self, data):
        when = {"reason": data["reason"], "effective_date": data["effective_date"]}
        holding, by = self.holding, self.request.user
        if self.zone:
            zone_end(zone_assignment=holding, by=by, **when)
            message = _(
                "%(cadre)s no longer holds the zone %(zone)s; its businesses have no cadre now."
            ) % {"cadre": holding.cadre, "zone": holding.zone}
            return message, reverse("entities:zone-detail", args=[holding.zone_id])
        assignment_end(assignment=holding, by=by, **when)
        message = _("%(cadre)s no longer holds %(entity)s; it now has no cadre.") % {
            "cadre": holding.cadre,
            "entity": holding.entity,
        }
        return message, reverse("entities:detail", args=[holding.entity_id])

    def context(self, form):
        if self.zone:
            return {"zone": self.holding.zone, "zone_holding": self.holding}
        return {
            "entity": self.holding.entity,
            "holding": self.holding,
            "form": None if self.holding.via_zone_id else form,
        }


class BulkTransferView(HoldingActionView):
    """Move several or all of a cadre's direct holdings to one successor (批量调整)."""

    template_name = "holdings/bulk_transfer.html"
    form_class = BulkTransferForm

    def load(self, request):
        self.cadre = access_cadre(request.user, _id_param(request, "cadre"))
        self.plan = cadre_holdings_plan(user=request.user, cadre=self.cadre)

    def form_kwargs(self):
        # Any cadre who can take at least one of them; the service checks each one chosen.
        return {"rows": self.plan.direct, "cadres": self.plan.for_any_direct}

    def perform(self, data):
        moved = assignments_transfer_bulk(
            assignments=data["assignments"],
            to_cadre=data["to_cadre"],
            reason=data["reason"],
            escalation_reason=data["escalation_reason"],
            effective_date=data["effective_date"],
            by=self.request.user,
        )
        message = ngettext(
            "%(n)d holding passed from %(old)s to %(new)s.",
            "%(n)d holdings passed from %(old)s to %(new)s.",
            len(moved),
        ) % {"n": len(moved), "old": self.cadre, "new": data["to_cadre"]}
        return message, reverse("cadres:detail", args=[self.cadre.pk])

    def context(self, form):
        return {"cadre": self.cadre, "plan": self.plan}


class ZoneAssignView(HoldingActionView):
    """A cadre takes a whole zone (分片包保)."""

    form_class = ZoneAssignForm
    title = gettext_lazy("Assign a cadre to a zone")
    submit = gettext_lazy("Assign")

    def load(self, request):
        self.zone = access_zone(request.user, _id_param(request, "zone"))
        self.held = zone_current_holding(self.zone.pk)

    def form_kwargs(self):
        cadres, _level = candidates_for_zone(user=self.request.user, zone=self.zone)
        return {"cadres": cadres}

    def perform(self, data):
        zone_assign(
            zone=self.zone,
            cadre=data["cadre"],
            reason=data["reason"],
            start_date=data["start_date"],
            by=self.request.user,
        )
        message = _("%(cadre)s now holds the zone %(zone)s and every business in it.") % {
            "cadre": data["cadre"],
            "zone": self.zone,
        }
        return message, reverse("entities:zone-detail", args=[self.zone.pk])

    def context(self, form):
        return {
            "zone": self.zone,
            "zone_holding": self.held,
            "zone_taken": self.held is not None,
            "form": None if self.held else form,
            "no_candidates": not form.fields["cadre"].cadres,
        }


class ZoneTransferView(HoldingActionView):
    """Hand a whole zone to another cadre; its businesses move with it."""

    form_class = ZoneTransferForm
    title = gettext_lazy("Transfer a zone")
    submit = gettext_lazy("Transfer")

    def load(self, request, pk):
        self.zone_holding = _current(access_zone_assignment(request.user, pk))

    def form_kwargs(self):
        cadres, _level = candidates_for_zone_assignment(
            user=self.request.user, zone_assignment=self.zone_holding
        )
        return {"cadres": cadres}

    def perform(self, data):
        new = zone_transfer(
            zone_assignment=self.zone_holding,
            to_cadre=data["to_cadre"],
            reason=data["reason"],
            effective_date=data["effective_date"],
            by=self.request.user,
        )
        message = _("The zone %(zone)s passed from %(old)s to %(new)s with its businesses.") % {
            "zone": self.zone_holding.zone,
            "old": self.zone_holding.cadre,
            "new": new.cadre,
        }
        return message, reverse("entities:zone-detail", args=[self.zone_holding.zone_id])

    def context(self, form):
        return {
            "zone": self.zone_holding.zone,
            "zone_holding": self.zone_holding,
            "no_candidates": not form.fields["to_cadre"].cadres,
        }
