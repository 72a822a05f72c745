"""Assignment work (/holdings/): assign, transfer and end a holding, move several at once, and
the same for whole zones (分片包保). Each action is one service call that writes its own ledger
rows; the page then says what was done and goes back to the business, cadre or zone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
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

TEMPLATE = "holdings/action.html"


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


def _run(form, service, **kwargs) -> tuple[bool, object]:
    """Call ``service``; a refusal lands on the form. Returns (done, what the service returned)."""
    try:
        return True, service(**kwargs)
    except ValidationError as exc:
        add_service_error(form, exc)
        return False, None


class AssignView(RegisterWriterRequiredMixin, View):
    """Give an unheld business its cadre (新增包保). The picker offers only cadres who fit."""

    title = gettext_lazy("Assign a cadre")

    def setup_action(self, request):
        entity = access_entity(request.user, _id_param(request, "entity"))
        held, zone_holding = entity_holders(entity)
        cadres = candidates_for_entity(user=request.user, entity=entity)
        return entity, held, zone_holding, cadres

    def get(self, request):
        entity, held, zone_holding, cadres = self.setup_action(request)
        form = AssignForm(cadres=cadres, level=entity.required_level)
        return self.render(request, form, entity, held, zone_holding)

    def post(self, request):
        entity, held, zone_holding, cadres = self.setup_action(request)
        form = AssignForm(request.POST, cadres=cadres, level=entity.required_level)
        if form.is_valid():
            data = form.cleaned_data
            done, assignment = _run(
                form,
                assignment_create,
                entity=entity,
                cadre=data["cadre"],
                by=request.user,
                reason=data["reason"],
                escalation_reason=data["escalation_reason"],
                start_date=data["start_date"],
            )
            if done:
                text = (
                    _("%(entity)s is now held by %(cadre)s (escalated: %(reason)s).")
                    if assignment.escalated
                    else _("%(entity)s is now held by %(cadre)s.")
                )
                messages.success(
                    request,
                    text
                    % {
                        "entity": entity,
                        "cadre": data["cadre"],
                        "reason": assignment.escalation_reason,
                    },
                )
                return redirect("entities:detail", pk=entity.pk)
        return self.render(request, form, entity, held, zone_holding)

    def render(self, request, form, entity, held, zone_holding):
        blocked = held or zone_holding or entity.status == EntityStatus.CLOSED
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "entity": entity,
                "held": held,
                "entity_zone_holding": zone_holding,
                "form": None if blocked else form,
                "no_candidates": not form.fields["cadre"].cadres,
                "submit": _("Assign"),
            },
        )


class TransferView(RegisterWriterRequiredMixin, View):
    """Move one holding to another cadre (调整包保干部)."""

    title = gettext_lazy("Transfer a holding")

    def setup_action(self, request, pk):
        holding = _current(access_assignment(request.user, pk))
        cadres = candidates_for_entity(
            user=request.user, entity=holding.entity, exclude=(holding.cadre_id,)
        )
        return holding, cadres

    def get(self, request, pk):
        holding, cadres = self.setup_action(request, pk)
        form = TransferForm(cadres=cadres, level=holding.entity.required_level)
        return self.render(request, form, holding)

    def post(self, request, pk):
        holding, cadres = self.setup_action(request, pk)
        form = TransferForm(request.POST, cadres=cadres, level=holding.entity.required_level)
        if form.is_valid():
            data = form.cleaned_data
            done, new = _run(
                form,
                assignment_transfer,
                assignment=holding,
                to_cadre=data["to_cadre"],
                reason=data["reason"],
                escalation_reason=data["escalation_reason"],
                effective_date=data["effective_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    _("%(entity)s passed from %(old)s to %(new)s.")
                    % {"entity": holding.entity, "old": holding.cadre, "new": new.cadre},
                )
                return redirect("entities:detail", pk=holding.entity_id)
        return self.render(request, form, holding)

    def render(self, request, form, holding):
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "entity": holding.entity,
                "holding": holding,
                "form": None if holding.via_zone_id else form,
                "no_candidates": not form.fields["to_cadre"].cadres,
                "submit": _("Transfer"),
            },
        )


class EndView(RegisterWriterRequiredMixin, View):
    """End a holding (解除包保); the business is then a coverage gap until assigned again."""

    title = gettext_lazy("End a holding")

    def get(self, request, pk):
        holding = _current(access_assignment(request.user, pk))
        return self.render(request, EndForm(), holding)

    def post(self, request, pk):
        holding = _current(access_assignment(request.user, pk))
        form = EndForm(request.POST)
        if form.is_valid():
            done, _result = _run(
                form,
                assignment_end,
                assignment=holding,
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    _("%(cadre)s no longer holds %(entity)s; it now has no cadre.")
                    % {"cadre": holding.cadre, "entity": holding.entity},
                )
                return redirect("entities:detail", pk=holding.entity_id)
        return self.render(request, form, holding)

    def render(self, request, form, holding):
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "entity": holding.entity,
                "holding": holding,
                "form": None if holding.via_zone_id else form,
                "submit": _("End the holding"),
                "danger": True,
            },
        )


class BulkTransferView(RegisterWriterRequiredMixin, View):
    """Move several or all of a cadre's direct holdings to one successor (批量调整)."""

    template_name = "holdings/bulk_transfer.html"

    def setup_action(self, request):
        cadre = access_cadre(request.user, _id_param(request, "cadre"))
        plan = cadre_holdings_plan(user=request.user, cadre=cadre)
        # Any cadre who can take at least one of them; the service checks each one chosen.
        cadres = plan.for_any_direct
        return cadre, plan, cadres

    def get(self, request):
        cadre, plan, cadres = self.setup_action(request)
        form = BulkTransferForm(rows=plan.direct, cadres=cadres)
        return self.render(request, form, cadre, plan)

    def post(self, request):
        cadre, plan, cadres = self.setup_action(request)
        form = BulkTransferForm(request.POST, rows=plan.direct, cadres=cadres)
        if form.is_valid():
            data = form.cleaned_data
            done, moved = _run(
                form,
                assignments_transfer_bulk,
                assignments=data["assignments"],
                to_cadre=data["to_cadre"],
                reason=data["reason"],
                escalation_reason=data["escalation_reason"],
                effective_date=data["effective_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d holding passed from %(old)s to %(new)s.",
                        "%(n)d holdings passed from %(old)s to %(new)s.",
                        len(moved),
                    )
                    % {"n": len(moved), "old": cadre, "new": data["to_cadre"]},
                )
                return redirect("cadres:detail", pk=cadre.pk)
        return self.render(request, form, cadre, plan)

    def render(self, request, form, cadre, plan):
        return render(request, self.template_name, {"cadre": cadre, "plan": plan, "form": form})


class ZoneAssignView(RegisterWriterRequiredMixin, View):
    """A cadre takes a whole zone (分片包保)."""

    title = gettext_lazy("Assign a cadre to a zone")

    def setup_action(self, request):
        zone = access_zone(request.user, _id_param(request, "zone"))
        held = zone_current_holding(zone.pk)
        cadres, _level = candidates_for_zone(user=request.user, zone=zone)
        return zone, held, cadres

    def get(self, request):
        zone, held, cadres = self.setup_action(request)
        return self.render(request, ZoneAssignForm(cadres=cadres), zone, held)

    def post(self, request):
        zone, held, cadres = self.setup_action(request)
        form = ZoneAssignForm(request.POST, cadres=cadres)
        if form.is_valid():
            data = form.cleaned_data
            done, _result = _run(
                form,
                zone_assign,
                zone=zone,
                cadre=data["cadre"],
                reason=data["reason"],
                start_date=data["start_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    _("%(cadre)s now holds the zone %(zone)s and every business in it.")
                    % {"cadre": data["cadre"], "zone": zone},
                )
                return redirect("entities:zone-detail", pk=zone.pk)
        return self.render(request, form, zone, held)

    def render(self, request, form, zone, held):
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "zone": zone,
                "zone_holding": held,
                "zone_taken": held is not None,
                "form": None if held else form,
                "no_candidates": not form.fields["cadre"].cadres,
                "submit": _("Assign"),
            },
        )


class ZoneTransferView(RegisterWriterRequiredMixin, View):
    """Hand a whole zone to another cadre; its businesses move with it."""

    title = gettext_lazy("Transfer a zone")

    def setup_action(self, request, pk):
        zone_holding = _current(access_zone_assignment(request.user, pk))
        cadres, _level = candidates_for_zone_assignment(
            user=request.user, zone_assignment=zone_holding
        )
        return zone_holding, cadres

    def get(self, request, pk):
        zone_holding, cadres = self.setup_action(request, pk)
        return self.render(request, ZoneTransferForm(cadres=cadres), zone_holding)

    def post(self, request, pk):
        zone_holding, cadres = self.setup_action(request, pk)
        form = ZoneTransferForm(request.POST, cadres=cadres)
        if form.is_valid():
            data = form.cleaned_data
            done, new = _run(
                form,
                zone_transfer,
                zone_assignment=zone_holding,
                to_cadre=data["to_cadre"],
                reason=data["reason"],
                effective_date=data["effective_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    _("The zone %(zone)s passed from %(old)s to %(new)s with its businesses.")
                    % {"zone": zone_holding.zone, "old": zone_holding.cadre, "new": new.cadre},
                )
                return redirect("entities:zone-detail", pk=zone_holding.zone_id)
        return self.render(request, form, zone_holding)

    def render(self, request, form, zone_holding):
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "zone": zone_holding.zone,
                "zone_holding": zone_holding,
                "form": form,
                "no_candidates": not form.fields["to_cadre"].cadres,
                "submit": _("Transfer"),
            },
        )


class ZoneEndView(RegisterWriterRequiredMixin, View):
    """End a zone holding; its businesses become coverage gaps until assigned again."""

    title = gettext_lazy("End a zone holding")

    def get(self, request, pk):
        zone_holding = _current(access_zone_assignment(request.user, pk))
        return self.render(request, EndForm(), zone_holding)

    def post(self, request, pk):
        zone_holding = _current(access_zone_assignment(request.user, pk))
        form = EndForm(request.POST)
        if form.is_valid():
            done, _result = _run(
                form,
                zone_end,
                zone_assignment=zone_holding,
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                by=request.user,
            )
            if done:
                messages.success(
                    request,
                    _(
                        "%(cadre)s no longer holds the zone %(zone)s; its businesses have no cadre now."
                    )
                    % {"cadre": zone_holding.cadre, "zone": zone_holding.zone},
                )
                return redirect("entities:zone-detail", pk=zone_holding.zone_id)
        return self.render(request, form, zone_holding)

    def render(self, request, form, zone_holding):
        return render(
            request,
            TEMPLATE,
            {
                "title": self.title,
                "zone": zone_holding.zone,
                "zone_holding": zone_holding,
                "form": form,
                "submit": _("End the zone holding"),
                "danger": True,
            },
        )
