"""The cadre register (包保干部台账): list, detail, create, edit, aides, and a cadre leaving."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from audit.models import AuditKind
from audit.services import audit_record
from baobao.db_routers import ReplicaReadMixin
from baobao.forms import add_service_error
from baobao.keyset import keyset_paginate
from baobao.mixins import OfficeRequiredMixin, RegisterWriterRequiredMixin
from baobao.models import Division, Level
from baobao.privacy import sees_full_phones
from cadres.forms import AideAddForm, AideForm, CadreForm, LeaveForm
from cadres.models import CadreStatus
from cadres.selectors import (
    access_aide,
    access_cadre,
    cadre_detail,
    cadre_holdings_plan,
    cadre_list,
)
from cadres.services import (
    CADRE_EDITABLE_FIELDS,
    aide_add,
    aide_remove,
    cadre_create,
    cadre_leave,
    cadre_update,
)
from cadres.tables import CadreTable, HoldingTable

PER_PAGE = 50
AIDE_PREFIXES = ("assistant1", "assistant2", "liaison")


def paginate(request, table, per_page=PER_PAGE):
    """Seek paging (no OFFSET, no COUNT); the table's pager is ``table.pager``."""
    table.pager = keyset_paginate(request, table, per_page=per_page)
    return table


class CadreListView(OfficeRequiredMixin, ReplicaReadMixin, View):
    def get(self, request):
        filterset, cadres = cadre_list(request=request)
        table = paginate(request, CadreTable(cadres))
        return render(request, "cadres/list.html", {"filter": filterset, "table": table})


class CadreDetailView(OfficeRequiredMixin, View):
    def get(self, request, pk):
        cadre = access_cadre(request.user, pk)
        context = cadre_detail(user=request.user, cadre=cadre)
        can_write = request.user.can_write_registers
        context["holding_table"] = paginate(
            request,
            HoldingTable(context["holdings"], prefix="h-", can_write=can_write),
            per_page=100,
        )
        full_phones = sees_full_phones(request.user)
        if full_phones:
            audit_record(kind=AuditKind.PERSONAL_VIEW, request=request, target=f"cadre:{cadre.pk}")
        context.update(cadre=cadre, can_write=can_write, full_phones=full_phones)
        return render(request, "cadres/detail.html", context)


def _chosen_division(request, default) -> Division | None:
    """The area picked in the level-by-level chooser (?division=), inside the user's scope."""
    value = request.GET.get("division", "")
    if value.isdigit():
        chosen = Division.objects.for_user(request.user).filter(pk=value).first()
        if chosen is not None:
            return chosen
    return default


def _aide_forms(request, data=None):
    return [AideForm(data, prefix=prefix) for prefix in AIDE_PREFIXES]


class CadreCreateView(RegisterWriterRequiredMixin, View):
    """Register a cadre. The area comes first (one level at a time, the cadre's level follows
    from it), then the details and the 协保员/联络员 that city and county cadres need."""

    template_name = "cadres/form.html"

    def get(self, request):
        division = _chosen_division(request, request.user.division)
        form = CadreForm(user=request.user, today=request.today, initial={"division": division})
        return self.render(request, form, _aide_forms(request), division)

    def post(self, request):
        division = _chosen_division(request, request.user.division)
        form = CadreForm(request.POST, user=request.user, today=request.today)
        aides = _aide_forms(request, request.POST)
        # Validate every form, so that all their errors show at once.
        valid = [form.is_valid(), *[a.is_valid() for a in aides]]
        if all(valid):
            assistants = [a.aide_data for a in aides[:2] if a.filled]
            liaison = aides[2].aide_data if aides[2].filled else None
            try:
                cadre = cadre_create(
                    by=request.user,
                    assistants=assistants,
                    liaison=liaison,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("%(cadre)s is registered as a cadre.") % {"cadre": cadre}
                )
                return redirect("cadres:detail", pk=cadre.pk)
        return self.render(request, form, aides, division)

    def render(self, request, form, aides, division):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "aide_forms": list(zip(AIDE_PREFIXES, aides, strict=True)),
                "division": division,
                "level": Level(division.level) if division else None,
            },
        )


class CadreEditView(RegisterWriterRequiredMixin, View):
    template_name = "cadres/form.html"

    def get(self, request, pk):
        cadre = access_cadre(request.user, pk)
        if "division" not in request.GET:
            # The area chooser starts where the cadre is.
            return HttpResponseRedirect(f"{request.path}?division={cadre.division_id}")
        division = _chosen_division(request, cadre.division)
        initial = {field: getattr(cadre, field) for field in CADRE_EDITABLE_FIELDS}
        form = CadreForm(
            user=request.user, today=request.today, initial={**initial, "division": division}
        )
        return self.render(request, cadre, form, division)

    def post(self, request, pk):
        cadre = access_cadre(request.user, pk)
        division = _chosen_division(request, cadre.division)
        form = CadreForm(request.POST, user=request.user, today=request.today)
        if form.is_valid():
            try:
                cadre = cadre_update(cadre=cadre, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%(cadre)s is updated.") % {"cadre": cadre})
                return redirect("cadres:detail", pk=cadre.pk)
        return self.render(request, cadre, form, division)

    def render(self, request, cadre, form, division):
        return render(
            request,
            self.template_name,
            {
                "cadre": cadre,
                "form": form,
                "division": division,
                "level": Level(division.level) if division else None,
            },
        )


class AideAddView(RegisterWriterRequiredMixin, View):
    template_name = "cadres/aide_form.html"

    def get(self, request, pk):
        cadre = access_cadre(request.user, pk)
        return render(request, self.template_name, {"cadre": cadre, "form": AideAddForm()})

    def post(self, request, pk):
        cadre = access_cadre(request.user, pk)
        form = AideAddForm(request.POST)
        if form.is_valid():
            try:
                aide = aide_add(
                    cadre=cadre, by=request.user, kind=form.cleaned_data["kind"], **form.aide_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(aide)s now works with %(cadre)s.") % {"aide": aide, "cadre": cadre},
                )
                return redirect("cadres:detail", pk=cadre.pk)
        return render(request, self.template_name, {"cadre": cadre, "form": form})


class AideRemoveView(RegisterWriterRequiredMixin, View):
    """Stop an aide's service (a button on the cadre's page); the record stays."""

    http_method_names = ["post"]

    def post(self, request, pk):
        aide = access_aide(request.user, pk)
        try:
            aide_remove(aide=aide, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(aide)s no longer works with %(cadre)s.") % {"aide": aide, "cadre": aide.cadre},
            )
        return redirect("cadres:detail", pk=aide.cadre_id)


class CadreLeaveView(RegisterWriterRequiredMixin, View):
    """A cadre leaves their post; their holdings are handed over in the same step."""

    template_name = "cadres/leave.html"

    def get(self, request, pk):
        cadre = access_cadre(request.user, pk)
        plan = cadre_holdings_plan(user=request.user, cadre=cadre)
        form = None
        if cadre.status != CadreStatus.LEFT:
            initial = {"mode": LeaveForm.ALL if plan.for_all else LeaveForm.EACH}
            form = LeaveForm(plan=plan, initial=initial)
        return render(request, self.template_name, {"cadre": cadre, "form": form, "plan": plan})

    def post(self, request, pk):
        cadre = access_cadre(request.user, pk)
        plan = cadre_holdings_plan(user=request.user, cadre=cadre)
        form = LeaveForm(request.POST, plan=plan)
        if form.is_valid():
            successor, successors = form.handover()
            try:
                left_behind = cadre_leave(
                    cadre=cadre,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    left_on=form.cleaned_data["left_on"],
                    successor=successor,
                    successors=successors,
                    escalation_reason=form.cleaned_data.get("escalation_reason", ""),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, self.done_message(cadre, plan.count, left_behind))
                return redirect("cadres:detail", pk=cadre.pk)
        return render(request, self.template_name, {"cadre": cadre, "form": form, "plan": plan})

    @staticmethod
    def done_message(cadre, held: int, left_behind) -> str:
        moved = held - len(left_behind)
        text = _("%(cadre)s has left their post.") % {"cadre": cadre}
        if moved:
            text += " " + ngettext(
                "%(n)d business was handed over.", "%(n)d businesses were handed over.", moved
            ) % {"n": moved}
        if left_behind:
            text += " " + ngettext(
                "%(n)d business has no cadre now and is listed on the coverage page.",
                "%(n)d businesses have no cadre now and are listed on the coverage page.",
                len(left_behind),
            ) % {"n": len(left_behind)}
        return text
