"""The cadre's rectification report (整改情况) on the phone: one open issue, what was done, a photo.

Like the visit form, the page is saved by the service worker (the task page lists it), carries its
own idempotency key and is sent through the phone's queue (visit.js, queue.js), so a report typed
with no signal goes by itself later and a resend records nothing twice.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baobao.forms import add_service_error
from inspections.forms import RectificationForm
from inspections.models import Issue, IssueStatus
from inspections.services import issue_transition
from inspections.views.office import issue_next_statuses
from inspections.views.phone import _require_cadre_side, _saved_on_phone, _wants_json


def _errors(form) -> list[dict]:
    """The form's errors as visit.js shows them."""
    errors = []
    for name, messages_ in form.errors.items():
        field, label = "", ""
        if name != "__all__":
            field, label = form.add_prefix(name), str(form.fields[name].label or "")
        errors += [{"field": field, "label": label, "message": m} for m in messages_]
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def issue_report(request, pk):
    """Report how an issue is being rectified: a new status, a note and an evidence photo."""
    user = request.user
    _require_cadre_side(user)
    issue = get_object_or_404(
        Issue.objects.for_user(user).select_related("entity__division"), pk=pk
    )
    statuses = issue_next_statuses(user, issue)
    if request.method == "POST":
        form = RectificationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = issue_transition(
                    issue=issue,
                    user=user,
                    to_status=data["to_status"],
                    note=data["note"],
                    photo=data["photo"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The report on the issue at %(entity)s is recorded.")
                    % {"entity": issue.entity.name},
                )
                target = reverse("inspections:my")
                if _wants_json(request):
                    return JsonResponse({"ok": True, "redirect": target, "event": event.pk})
                return redirect(target)
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": _errors(form)}, status=400)
    else:
        proposed = IssueStatus.FIXED if IssueStatus.FIXED in statuses else next(iter(statuses), "")
        form = RectificationForm(initial={"to_status": proposed, "idempotency_key": uuid.uuid4()})
    answer = _saved_on_phone if request.method == "GET" else render
    return answer(
        request,
        "inspections/issue_report.html",
        {
            "issue": issue,
            "events": issue.events.order_by("-at", "-id")[:3],
            "form": form,
            "statuses": statuses,
            "chosen": form["to_status"].value(),
            "back": reverse("inspections:my"),
        },
    )
