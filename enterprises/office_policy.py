"""The office's page of its area's self-management policy (which businesses keep which records)
and its daily check items: what is in force and where it comes from, the area's own rules and
items to change, and the history of the changes. County offices and above, in their own area
(a division outside it, or below county level, is 404); a step that went through is audited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditKind
from audit.services import audit_record
from baobao.forms import add_service_error
from baobao.models import Division, Level
from baobao.selectors import access_division, root_division
from enterprises.forms import CheckItemForm, PolicyForm
from enterprises.models import DailyCheckItem, RecordPolicy, Requirement
from enterprises.policy import PolicyTable
from enterprises.services import daily_item_add, daily_item_set_active, record_policy_set
from entities.models import BusinessType, Grade

HISTORY_SHOWN = 30


def _policy_division(request, pk=None) -> Division:
    """The area whose policy the page shows: the office's own, or one inside it; 404 for a
    division outside the scope, below county level, or for anyone but an office."""
    user = request.user
    if user.is_business or not (user.is_office or user.is_system_admin):
        raise Http404
    if not user.can_write_registers:
        raise Http404
    division = access_division(user, pk) if pk is not None else root_division(user)
    if division is None or division.level > Level.COUNTY:
        raise Http404
    return division


def _ancestors_q(division: Division, field: str = "division") -> Q:
    """The rows of the division, of the areas above it, and the default (no area)."""
    paths = [division.path[:n] for n in range(2, len(division.path) + 1, 2)]
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__path__in": paths})


def _grid(division: Division, table: PolicyTable) -> list[dict]:
    """Per business type, per grade: the requirement in force here and where it comes from."""
    labels = dict(Requirement.choices)
    rows = []
    for value, label in BusinessType.choices:
        cells = []
        for grade in Grade.values:
            found = table.rule(value, grade, division.path)
            area, requirement = found or ("", Requirement.FULL)
            cells.append(
                {
                    "requirement": requirement,
                    "label": labels[requirement],
                    "here": found is not None and area == division.path,
                }
            )
        rows.append({"type": label, "cells": cells})
    return rows


def _page(request, division, *, policy_form=None, item_form=None, status=200):
    rules = list(RecordPolicy.objects.filter(_ancestors_q(division)).select_related("division"))
    table = PolicyTable(rules)
    items = list(DailyCheckItem.objects.filter(_ancestors_q(division)).select_related("division"))
    history = list(
        RecordPolicy.history.filter(division=division)
        .select_related("history_user")
        .order_by("-history_date")[:HISTORY_SHOWN]
    ) + list(
        DailyCheckItem.history.filter(division=division)
        .select_related("history_user")
        .order_by("-history_date")[:HISTORY_SHOWN]
    )
    history.sort(key=lambda h: h.history_date, reverse=True)
    return render(
        request,
        "enterprises/policy.html",
        {
            "division": division,
            "grades": Grade.values,
            "grid": _grid(division, table),
            "own_rules": [r for r in rules if r.division_id == division.pk],
            "inherited_rules": [r for r in rules if r.division_id != division.pk and r.is_active],
            "items": items,
            "policy_form": policy_form or PolicyForm(),
            "item_form": item_form or CheckItemForm(),
            "history": history[:HISTORY_SHOWN],
        },
        status=status,
    )


def _audit(request, division, step, **detail):
    audit_record(
        kind=AuditKind.ADMIN_CHANGE,
        request=request,
        target=f"{division.name} ({division.code})",
        step=step,
        **detail,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, pk=None):
    """The page; a POST sets a rule (``action=policy``) or adds a daily check item."""
    division = _policy_division(request, pk)
    if request.method == "GET":
        return _page(request, division)
    if request.POST.get("action") == "item":
        form = CheckItemForm(request.POST)
        if form.is_valid():
            try:
                item = daily_item_add(division=division, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
            else:
                _audit(request, division, "daily_item_add", item=item.pk, text=item.text)
                messages.success(request, _("The check is added to the area's daily record."))
                return redirect(request.path)
        return _page(request, division, item_form=form, status=400)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            rule = record_policy_set(division=division, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            _audit(
                request,
                division,
                "self_policy_set",
                business_type=rule.business_type,
                grade=rule.grade,
                requirement=rule.requirement if rule.is_active else "",
            )
            messages.success(request, _("The area's policy is changed."))
            return redirect(request.path)
    return _page(request, division, policy_form=form, status=400)


@login_required
@require_POST
def item_active(request, pk):
    """Take one of the area's own daily check items out of use, or back into use."""
    user = request.user
    if user.is_business or not (user.is_office or user.is_system_admin):
        raise Http404
    item = get_object_or_404(DailyCheckItem.objects.select_related("division"), pk=pk)
    if item.division is None or access_division(user, item.division_id) is None:
        raise Http404
    active = request.POST.get("active") == "1"
    try:
        daily_item_set_active(item=item, by=user, active=active)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        _audit(request, item.division, "daily_item_active", item=item.pk, active=active)
        messages.success(
            request, _("The check is back in use.") if active else _("The check is out of use.")
        )
    return redirect("enterprises:policy-area", pk=item.division_id)
