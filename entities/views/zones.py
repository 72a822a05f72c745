"""Zones (片区) for 分片包保: list, detail with their businesses, create, edit."""

import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from baobao.forms import add_service_error
from baobao.mixins import OfficeRequiredMixin, RegisterWriterRequiredMixin
from baobao.selectors import access_division
from entities.filters import ZoneFilter
from entities.forms import ZoneForm
from entities.selectors import (
    access_zone,
    zone_current_holding,
    zone_entities,
    zone_list,
    zone_past_holdings,
)
from entities.services import zone_create, zone_update
from entities.tables import EntityTable, ZoneTable
from entities.views.common import AreaPicker, paginate


class ZoneListView(OfficeRequiredMixin, TemplateView):
    template_name = "entities/zone_list.html"

    def get_context_data(self, **kwargs):
        filters = ZoneFilter(self.request.GET, request=self.request)
        table = ZoneTable(zone_list(user=self.request.user, filters=filters))
        paginate(self.request, table)
        return super().get_context_data(filters=filters, table=table, **kwargs)


class ZoneDetailView(LoginRequiredMixin, TemplateView):
    """A zone, its holder and holding history, and its businesses (a cadre: zones they hold)."""

    template_name = "entities/zone_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        zone = access_zone(user, self.kwargs["pk"])
        table = EntityTable(zone_entities(user=user, zone=zone), exclude=("zone",))
        paginate(self.request, table)
        return super().get_context_data(
            zone=zone,
            trail=zone.division.ancestors(),
            holding=zone_current_holding(zone=zone),
            past_holdings=zone_past_holdings(zone=zone),
            table=table,
            can_write=user.can_write_registers,
            **kwargs,
        )


class ZoneFormView(RegisterWriterRequiredMixin, View):
    """Create (no ``pk``) or edit a zone through ``zone_create`` / ``zone_update``."""

    template_name = "entities/zone_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.zone = None

    def fetch(self):
        """The zone being edited (404 outside the scope), after the role check."""
        if "pk" in self.kwargs:
            self.zone = access_zone(self.request.user, self.kwargs["pk"])

    def form(self, *args, **kwargs) -> ZoneForm:
        # A copy: a form that fails validation must not change the zone the page shows.
        instance = copy.copy(self.zone) if self.zone else None
        return ZoneForm(*args, instance=instance, user=self.request.user, **kwargs)

    def get(self, request, *args, **kwargs):
        self.fetch()
        return self.render(self.form())

    def post(self, request, *args, **kwargs):
        self.fetch()
        if AreaPicker.navigating(request):
            return self.render(self.form(initial=request.POST.dict()))
        form = self.form(request.POST)
        if form.is_valid():
            try:
                if self.zone:
                    zone = zone_update(zone=self.zone, by=request.user, **form.service_kwargs())
                    done = _("Zone %(zone)s is saved.")
                else:
                    zone = zone_create(by=request.user, **form.service_kwargs())
                    done = _("Zone %(zone)s is created.")
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, done % {"zone": zone})
                return redirect("entities:zone-detail", pk=zone.pk)
        return self.render(form)

    def render(self, form):
        picker = None
        if self.zone is None:
            asked = access_division(self.request.user, self.request.GET.get("division"))
            picker = AreaPicker.build(
                self.request, default=asked or self.request.user.division, selected=asked
            )
        return render(
            self.request, self.template_name, {"form": form, "zone": self.zone, "picker": picker}
        )
