"""Zones (片区) for 分片包保: list, detail with their businesses, create, edit."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from baobao.mixins import OfficeRequiredMixin
from entities.filters import ZoneFilter
from entities.forms import ZoneForm
from entities.sections import page_sections
from entities.selectors import access_zone, zone_entities, zone_list
from entities.services import zone_create, zone_update
from entities.tables import EntityTable, ZoneTable
from entities.views.common import RegisterFormView, paginate


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
        base = {"zone": zone, "can_write": user.can_write_registers}
        return super().get_context_data(
            trail=zone.division.ancestors(),
            table=table,
            sections=page_sections(page="zone", request=self.request, obj=zone, base=base),
            **base,
            **kwargs,
        )


class ZoneFormView(RegisterFormView):
    """Create (no ``pk``) or edit a zone through ``zone_create`` / ``zone_update``; a zone keeps
    its area once created."""

    template_name = "entities/zone_form.html"
    form_class = ZoneForm
    context_name = "zone"
    area_editable = False

    def access(self, user, pk):
        return access_zone(user, pk)

    def save(self, form):
        if self.object:
            zone = zone_update(zone=self.object, by=self.request.user, **form.service_kwargs())
            done = _("Zone %(zone)s is saved.")
        else:
            zone = zone_create(by=self.request.user, **form.service_kwargs())
            done = _("Zone %(zone)s is created.")
        return done % {"zone": zone}, reverse("entities:zone-detail", args=[zone.pk])
