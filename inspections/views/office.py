"""The office side of supervision: the visits ledger (督导工作台账), the issues ledger (问题与处理台账),
a visit's and an issue's page with their actions, and the scoped photos they show.

The ledgers are for office staff; a cadre (or aide) may open the page of a visit or issue of their
own. Every object is fetched through its model's ``for_user`` scope, so anything else is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView

from baobao.db_routers import ReplicaReadMixin
from baobao.forms import add_service_error
from baobao.keyset import keyset_paginate
from baobao.mixins import OfficeRequiredMixin
from baobao.storage import stored_file_response
from baobao.uploads import content_type_for
from cadres.models import Assignment
from entities.views.common import PER_PAGE
from inspections.filters import IssueFilter, VisitFilter
from inspections.forms import RemarkForm, TransitionForm
from inspections.models import (
    ISSUE_TRANSITIONS,
    CheckResult,
    Issue,
    IssueEvent,
    IssueEventPhoto,
    IssueStatus,
    PhotoStatus,
    Visit,
    VisitCheck,
    VisitPhoto,
)
from inspections.selectors import issue_ledger, visit_ledger
from inspections.services import issue_transition, visit_remark_add
from inspections.tables import IssueTable, VisitTable


def _with_problem_count(visits):
    # A subquery rather than a joined Count: one figure per row, whatever the paging.
    problems = (
        VisitCheck.objects.filter(visit=OuterRef("pk"), result=CheckResult.PROBLEM)
        .order_by()
        .values("visit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return visits.annotate(problems=Subquery(problems, output_field=IntegerField()))


class VisitLedgerView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    template_name = "inspections/visit_list.html"

    def get_context_data(self, **kwargs):
        filters = VisitFilter(self.request.GET, request=self.request)
        table = VisitTable(
            _with_problem_count(visit_ledger(user=self.request.user, filters=filters))
        )
        # Seek paging: a deep page of a province's ledger costs what the first one does.
        pager = keyset_paginate(self.request, table, per_page=PER_PAGE)
        return super().get_context_data(
            filters=filters, table=table, pager=pager, **_chosen_cadre(filters), **kwargs
        )


class IssueLedgerView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    template_name = "inspections/issue_list.html"

    def get_context_data(self, **kwargs):
        filters = IssueFilter(self.request.GET, request=self.request)
        table = IssueTable(
            issue_ledger(user=self.request.user, filters=filters, today=self.request.today)
        )
        # Seek paging: a deep page of a province's ledger costs what the first one does.
        pager = keyset_paginate(self.request, table, per_page=PER_PAGE)
        return super().get_context_data(
            filters=filters, table=table, pager=pager, **_chosen_cadre(filters), **kwargs
        )


def _chosen_cadre(filters) -> dict:
    """The cadre the ledger is narrowed to (shown as a chip, not a select of every cadre)."""
    if filters.is_bound and filters.form.is_valid():
        return {"cadre": filters.form.cleaned_data.get("cadre")}
    return {"cadre": None}


def _can_act(user) -> bool:
    """The cadre side (cadre, 协保员, 联络员) and the offices that write registers."""
    return bool(user.acting_cadre_id) or user.can_write_registers


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request, pk):
    """One visit, all it recorded, its remarks (and the form to append one) and its issues."""
    visit = get_object_or_404(
        Visit.objects.for_user(request.user).select_related(
            "entity__division", "cadre__division", "logged_by", "template"
        ),
        pk=pk,
    )
    form = RemarkForm()
    if request.method == "POST":
        form = RemarkForm(request.POST)
        if form.is_valid():
            try:
                visit_remark_add(visit=visit, user=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The remark is added."))
                return redirect("inspections:visit-detail", pk=visit.pk)
    return render(
        request,
        "inspections/visit_detail.html",
        {
            "visit": visit,
            "checks": visit.checks.all(),
            "photos": visit.photos.all(),
            "remarks": visit.remarks.select_related("by"),
            "issues": visit.issues.all(),
            "remark_form": form if _can_act(request.user) else None,
        },
    )


def issue_next_statuses(user, issue: Issue) -> list:
    """The statuses this user may move the issue to; closing (销号) on the cadre side is for the
    cadre holding the business now."""
    if not _can_act(user):
        return []
    allowed = ISSUE_TRANSITIONS[IssueStatus(issue.status)]
    if user.acting_cadre_id and IssueStatus.CLOSED in allowed:
        holds_now = Assignment.objects.filter(
            entity_id=issue.entity_id, cadre_id=user.acting_cadre_id, end_date__isnull=True
        ).exists()
        if not holds_now:
            allowed = allowed - {IssueStatus.CLOSED}
    return [status for status in IssueStatus if status in allowed]


@login_required
@require_http_methods(["GET", "POST"])
def issue_detail(request, pk):
    """One issue, its full history, and a form per status it may move to."""
    user = request.user
    issue = get_object_or_404(
        Issue.objects.for_user(user).select_related(
            "entity__division", "visit__cadre", "raised_by"
        ),
        pk=pk,
    )
    failed = None
    if request.method == "POST":
        failed = TransitionForm(request.POST, request.FILES)
        if failed.is_valid():
            data = failed.cleaned_data
            try:
                issue_transition(
                    issue=issue,
                    user=user,
                    to_status=data["to_status"],
                    note=data["note"],
                    photo=data["photo"],
                )
            except ValidationError as exc:
                add_service_error(failed, exc)
            else:
                messages.success(
                    request,
                    _("The issue is now “%(status)s”.")
                    % {"status": IssueStatus(data["to_status"]).label},
                )
                return redirect("inspections:issue-detail", pk=issue.pk)
    actions = []
    for status in issue_next_statuses(user, issue):
        posted = failed is not None and failed.data.get("to_status") == status
        actions.append(
            {
                "status": status,
                "form": failed if posted else TransitionForm(initial={"to_status": status}),
            }
        )
    return render(
        request,
        "inspections/issue_detail.html",
        {
            "issue": issue,
            "events": issue.events.select_related("by").prefetch_related("photos"),
            "actions": actions,
            # A forged status that is offered nowhere still shows why it was refused.
            "error_form": failed
            if failed is not None
            and failed.errors
            and not any(a["form"] is failed for a in actions)
            else None,
        },
    )


def _serve(field):
    return stored_file_response(field, content_type=content_type_for(field.name))


@login_required
def visit_photo(request, pk):
    """A visit's photo, served only to users whose scope holds the visit, and only once it is
    re-encoded: the quarantined original is never served."""
    photo = get_object_or_404(
        VisitPhoto.objects.filter(
            visit__in=Visit.objects.for_user(request.user), status=PhotoStatus.READY
        ),
        pk=pk,
    )
    return _serve(photo.image)


@login_required
def issue_photo(request, kind, pk):
    """An issue's photo (``issue``) or an event's evidence photo (``event``), in scope only."""
    scoped = Issue.objects.for_user(request.user)
    if kind == "issue":
        field = get_object_or_404(scoped, pk=pk).photo
    elif kind == "event":
        field = get_object_or_404(IssueEvent.objects.filter(issue__in=scoped), pk=pk).photo
    elif kind == "event-more":  # a further photo of a business's fix report
        field = get_object_or_404(IssueEventPhoto.objects.filter(event__issue__in=scoped), pk=pk)
        field = field.image
    else:
        raise Http404
    if not field:
        raise Http404
    return _serve(field)
