"""The cadre's phone pages: this quarter's task (``/inspections/my/``) and the visit form.

They are for the cadre side: a cadre, or their 协保员/联络员 working on the cadre's list. The visit
form answers a plain POST with a redirect or the form again, and a ``fetch`` from visit.js
(header ``X-Requested-With: fetch``) with JSON, so that a form the network dropped can be kept in
the browser and sent again; its idempotency key makes a resend safe.
"""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baobao.forms import add_service_error
from cadres.models import Assignment, Cadre, CadreAide
from entities.models import Entity
from inspections.checklists import checklist_for, issue_category_for
from inspections.forms import CheckForm, IssueForm, VisitForm, deadline_help
from inspections.models import CheckResult, Issue, IssueStatus, ReminderPolicy
from inspections.panels import hint_for, visit_panels
from inspections.quarters import Quarter
from inspections.selectors import due_entities, entity_summary
from inspections.services import visit_record

# How many of the open issues the task page lists (the soonest deadlines first).
OPEN_ISSUES_SHOWN = 20


def _require_cadre_side(user) -> int:
    if cadre_id := user.acting_cadre_id:
        return cadre_id
    raise PermissionDenied(_("This page is for cadres and their assistants and liaisons."))


@login_required
def my_task(request):
    """This quarter's task of the acting cadre: the businesses due, not yet visited first, each
    one tap from its visit form; how many are done and the days left; the open issues."""
    cadre_id = _require_cadre_side(request.user)
    cadre = Cadre.objects.select_related("division").get(pk=cadre_id)
    today = request.today
    quarter = Quarter.of(today)
    entities = list(due_entities(cadre=cadre, quarter=quarter, today=today))
    done = sum(1 for entity in entities if entity.visited)
    open_issues = (
        Issue.objects.for_user(request.user)
        .exclude(status=IssueStatus.CLOSED)
        .select_related("entity")
        .order_by("deadline", "id")[:OPEN_ISSUES_SHOWN]
    )
    return _saved_on_phone(
        request,
        "inspections/my_task.html",
        {
            "cadre": cadre,
            "quarter": quarter,
            "entities": entities,
            "done": done,
            "due": len(entities),
            "days_left": quarter.days_left(today),
            "open_issues": open_issues,
            "today": today,
        },
    )


def _saved_on_phone(request, template: str, context: dict):
    """Render a page the service worker may save: it saves it under the user named here."""
    response = render(request, template, context)
    response["X-Baobao-User"] = str(request.user.pk)
    return response


class VisitForms:
    """The visit form's parts, bound together: the visit, one check per checklist item, an issue
    per item and one for the findings."""

    def __init__(self, *, entity: Entity, aides: list[str], now=None, data=None, files=None):
        self.template = checklist_for(entity)
        items = list(self.template.items.all()) if self.template else []
        initial = None
        if data is None:
            now = timezone.localtime(now).replace(second=0, microsecond=0)
            initial = {"visited_at": now, "idempotency_key": uuid.uuid4()}
        self.visit = VisitForm(data, files, aides=aides, initial=initial)
        self.rows = [
            {
                "check": CheckForm(data, prefix=f"check-{item.pk}", item=item),
                "category": issue_category_for(item),
                "issue": IssueForm(data, files, prefix=f"issue-{item.pk}"),
            }
            for item in items
        ]
        self.findings_issue = IssueForm(data, files, prefix="issue-findings")

    def forms(self):
        yield self.visit
        for row in self.rows:
            yield row["check"]
            yield row["issue"]
        yield self.findings_issue

    def is_valid(self) -> bool:
        # Every part is validated, so that every error shows at once.
        valid = [form.is_valid() for form in self.forms()].count(False) == 0
        for row in self.rows:
            result = row["check"].cleaned_data.get("result")
            if row["issue"].raised and result and result != CheckResult.PROBLEM:
                row["issue"].add_error(
                    "raise_issue", _("An issue can only follow up a check marked as a problem.")
                )
                valid = False
        return valid

    def record(self, *, user, entity: Entity):
        """Call the service once with everything the forms hold."""
        data = self.visit.cleaned_data
        checks, issues = [], []
        for index, row in enumerate(self.rows):
            check = row["check"]
            checks.append({"item": check.item, **check.cleaned_data})
            if row["issue"].raised:
                issues.append({"check": index, **row["issue"].issue_data()})
        if self.findings_issue.raised:
            issues.append(self.findings_issue.issue_data())
        return visit_record(
            user=user,
            entity=entity,
            visited_at=data["visited_at"],
            on_site=data["on_site"],
            idempotency_key=data["idempotency_key"],
            findings=data["findings"],
            companions=data["companions"],
            checks=checks,
            photos=data["photos"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            accuracy_m=data["accuracy_m"],
            issues=issues,
        )

    def errors(self) -> list[dict]:
        """Every error, for visit.js: the field's HTML name ("" for the form as a whole)."""
        errors = []
        for form in self.forms():
            for name, messages_ in form.errors.items():
                field = "" if name == "__all__" else form.add_prefix(name)
                label = ""
                if name != "__all__":
                    label = str(form.fields[name].label or "")
                errors += [{"field": field, "label": label, "message": m} for m in messages_]
        return errors


def _scoped_entity(request) -> Entity:
    """The business named by ``?entity=``, inside the user's scope; 404 for anything else."""
    try:
        pk = int(request.GET.get("entity", ""))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(
        Entity.objects.for_user(request.user).select_related("division"), pk=pk
    )


def _aide_names(user, entity: Entity) -> list[str]:
    """The active 协保员/联络员 of the cadre the visit counts for, to tick as companions."""
    cadre_id = user.acting_cadre_id or (
        Assignment.objects.current()
        .filter(entity=entity)
        .values_list("cadre_id", flat=True)
        .first()
    )
    return list(
        CadreAide.objects.filter(cadre_id=cadre_id, is_active=True)
        .order_by("kind", "id")
        .values_list("name", flat=True)
    )


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """Log a visit: the checklist, findings, photos, location, and the issues it raises."""
    user = request.user
    if not (user.acting_cadre_id or user.can_write_registers):
        raise PermissionDenied(_("Only the cadre side and the offices can log a visit."))
    entity = _scoped_entity(request)
    aides = _aide_names(user, entity)
    if request.method == "POST":
        parts = VisitForms(entity=entity, aides=aides, data=request.POST, files=request.FILES)
        if parts.is_valid():
            try:
                visit, _created = parts.record(user=user, entity=entity)
            except ValidationError as exc:
                add_service_error(parts.visit, exc)
            else:
                return _recorded(request, visit)
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": parts.errors()}, status=400)
    else:
        parts = VisitForms(entity=entity, aides=aides, now=request.now)
    panels, hints = visit_panels(request=request, entity=entity)
    for row in parts.rows:
        row["hint"] = hint_for(row["check"].item.text, hints)
    # The office's rectification periods: proposed by visit.js, said under the deadline field.
    deadline_days = ReminderPolicy.load().deadline_days()
    help_text = deadline_help(deadline_days)
    if not parts.visit.is_bound:
        _blank_issue_fields(request, parts, help_text)
    answer = _saved_on_phone if request.method == "GET" else render
    return answer(
        request,
        "inspections/visit_form.html",
        {
            "entity": entity,
            **entity_summary(user=user, entity=entity),
            "parts": parts,
            "panels": panels,
            "deadline_help": help_text,
            "deadline_days": json.dumps(deadline_days),
            "back": reverse("inspections:my") if user.acting_cadre_id else None,
        },
    )


BLANK_PREFIX = "issue-__blank__"


def _blank_issue_fields(request, parts: VisitForms, help_text: str) -> None:
    """An unbound form's issue fields differ from row to row only by their prefix: render them
    once and give each row its copy (``row["issue_html"]``), instead of rendering a dozen
    identical forms widget by widget (most of the page's time)."""
    blank = render_to_string(
        "inspections/_issue_fields.html",
        {"form": IssueForm(prefix=BLANK_PREFIX), "deadline_help": help_text},
        request=request,
    )
    for row in parts.rows:
        row["issue_html"] = mark_safe(blank.replace(BLANK_PREFIX, row["issue"].prefix))


def _recorded(request, visit):
    """The same answer for a first submission and a resend of the same form."""
    messages.success(
        request, _("The visit to %(entity)s is recorded.") % {"entity": visit.entity.name}
    )
    if request.user.acting_cadre_id:
        target = reverse("inspections:my")
    else:
        target = reverse("inspections:visit-detail", args=[visit.pk])
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": target, "visit": visit.pk})
    return redirect(target)
