"""The business register (包保主体台账): list, detail, create, edit, regrade, status."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from audit.models import AuditKind
from audit.services import audit_record
from baobao.db_routers import ReplicaReadMixin
from baobao.forms import add_service_error
from baobao.keyset import keyset_paginate
from baobao.mixins import OfficeRequiredMixin, RegisterWriterRequiredMixin
from baobao.privacy import sees_full_phones
from entities.filters import EntityFilter
from entities.forms import EntityForm, RegradeForm, StatusForm
from entities.models import EntityStatus
from entities.sections import page_sections
from entities.selectors import access_entity, entity_list
from entities.services import entity_change_status, entity_create, entity_regrade, entity_update
from entities.tables import EntityTable
from entities.views.common import PER_PAGE, RegisterFormView


class EntityListView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    template_name = "entities/entity_list.html"

    def get_context_data(self, **kwargs):
        filters = EntityFilter(self.request.GET, request=self.request)
        rows = entity_list(user=self.request.user, filters=filters, holder_zones=False)
        table = EntityTable(rows)
        # A province's list: seek paging, so a deep page costs what the first one does.
        pager = keyset_paginate(self.request, table, per_page=PER_PAGE)
        held_by = filters.form.cleaned_data.get("held_by") if filters.is_valid() else None
        return super().get_context_data(
            filters=filters, table=table, pager=pager, held_by=held_by, **kwargs
        )


class EntityDetailView(LoginRequiredMixin, TemplateView):
    """Everything about one business; a cadre sees the ones they hold (404 otherwise). The
    register shows the business itself; the apps above it add their sections (who holds it,
    its supervision, …) through ``entities.sections``."""

    template_name = "entities/entity_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        entity = access_entity(user, self.kwargs["pk"])
        full_phones = sees_full_phones(user)
        if full_phones:
            audit_record(
                kind=AuditKind.PERSONAL_VIEW, request=self.request, target=f"entity:{entity.pk}"
            )
        base = {"entity": entity, "can_write": user.can_write_registers}
        return super().get_context_data(
            full_phones=full_phones,
            trail=entity.division.ancestors(),
            sections=page_sections(page="entity", request=self.request, obj=entity, base=base),
            **base,
            **kwargs,
        )


class EntityFormView(RegisterFormView):
    """Create (no ``pk``) or edit a business through ``entity_create`` / ``entity_update``."""

    template_name = "entities/entity_form.html"
    form_class = EntityForm
    context_name = "entity"

    def access(self, user, pk):
        return access_entity(user, pk)

    def save(self, form):
        if self.object:
            entity = entity_update(
                entity=self.object, by=self.request.user, **form.service_kwargs()
            )
            done = _("The details of %(entity)s are saved.")
        else:
            entity = entity_create(by=self.request.user, **form.service_kwargs())
            done = _("%(entity)s is registered.")
        return done % {"entity": entity}, reverse("entities:detail", args=[entity.pk])


class EntityActionView(RegisterWriterRequiredMixin, View):
    """An explicit action on one business: a page with its form, then the service on POST."""

    template_name: str
    form_class: type

    def get(self, request, *args, **kwargs):
        self.entity = access_entity(request.user, kwargs["pk"])
        return self.render(self.form_class(entity=self.entity))

    def post(self, request, *args, **kwargs):
        self.entity = access_entity(request.user, kwargs["pk"])
        form = self.form_class(request.POST, entity=self.entity)
        if form.is_valid():
            try:
                done = self.perform(form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("entities:detail", pk=self.entity.pk)
        return self.render(form)

    def render(self, form):
        return render(self.request, self.template_name, {"form": form, "entity": self.entity})


class EntityRegradeView(EntityActionView):
    template_name = "entities/entity_regrade.html"
    form_class = RegradeForm

    def perform(self, data) -> str:
        change = entity_regrade(
            entity=self.entity,
            new_grade=data["new_grade"],
            reason=data["reason"],
            effective_date=data["effective_date"],
            by=self.request.user,
        )
        return _("%(entity)s is regraded from %(old)s to %(new)s.") % {
            "entity": self.entity,
            "old": change.old_grade,
            "new": change.new_grade,
        }


class EntityStatusView(EntityActionView):
    template_name = "entities/entity_status.html"
    form_class = StatusForm

    def perform(self, data) -> str:
        entity = entity_change_status(
            entity=self.entity,
            status=data["status"],
            reason=data["reason"],
            effective_date=data["effective_date"],
            by=self.request.user,
        )
        if entity.status == EntityStatus.CLOSED:
            return _("%(entity)s is closed; its holding has ended.") % {"entity": entity}
        return _("%(entity)s is now %(status)s.") % {
            "entity": entity,
            "status": entity.get_status_display(),
        }
