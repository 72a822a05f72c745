"""The office's queue of public requests and one request's page: triage (assign, merge,
reject), the cadre's handling (a real visit), the approved reply, the photos."""

import uuid

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.models import AuditKind
from audit.services import audit_record
from baobao.keyset import keyset_paginate
from baobao.storage import stored_file_response
from baobao.tables import Table
from baobao.uploads import content_type_for
from public import forms
from public.models import PublicRequest, RequestPhoto, RequestStatus
from public.selectors import (
    access_request,
    assignable_cadres,
    duplicate_candidates,
    may_see_reporter,
    request_queue,
    require_public_desk,
)
from public.services import requests as services

PER_PAGE = 50
# The reporter's category as the issue a visit raises.
ISSUE_CATEGORY = {
    "hygiene": "hygiene",
    "expired": "storage",
    "licence": "licence",
    "health": "health",
}


class RequestTable(Table):
    code = tables.Column(
        verbose_name=gettext_lazy("Receipt code"),
        linkify=lambda record: reverse("public:request-detail", args=[record.pk]),
        orderable=False,
    )
    created_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Received at"), format="Y-m-d H:i", orderable=False
    )
    entity = tables.Column(verbose_name=gettext_lazy("Business"), orderable=False)
    category = tables.Column(verbose_name=gettext_lazy("Category"), orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Status"), orderable=False)
    assigned_cadre = tables.Column(verbose_name=gettext_lazy("Cadre"), orderable=False)
    deadline = tables.DateColumn(verbose_name=gettext_lazy("Handling deadline"), orderable=False)

    class Meta:
        model = PublicRequest
        fields = (
            "code",
            "created_at",
            "entity",
            "category",
            "status",
            "assigned_cadre",
            "deadline",
        )
        attrs = {"class": "table"}


@login_required
def request_list(request):
    require_public_desk(request.user)
    status = request.GET.get("status", "")
    if status not in RequestStatus.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    area = request.GET.get("area", "")[:12]
    qs = request_queue(
        user=request.user,
        status=status,
        overdue_on=request.today if overdue else None,
        area=area,
    )
    table = RequestTable(qs)
    pager = keyset_paginate(request, table, per_page=PER_PAGE)
    return render(
        request,
        "public/request_list.html",
        {
            "table": table,
            "pager": pager,
            "statuses": RequestStatus.choices,
            "status": status,
            "overdue": overdue,
            "area": area,
        },
    )


@login_required
def request_detail(request, pk):
    req = access_request(request.user, pk)
    user = request.user
    office = user.is_office or user.is_system_admin
    context = {
        "req": req,
        "events": req.events.select_related("by"),
        "photos": req.photos.all(),
        "show_reporter": may_see_reporter(user, req),
        "can_triage": office and user.can_write_registers,
        "can_handle": bool(user.acting_cadre_id and user.acting_cadre_id == req.assigned_cadre_id),
    }
    if context["can_triage"]:
        context["assign_form"] = forms.AssignForm(
            cadres=assignable_cadres(user=user, request=req),
            initial={"cadre": req.assigned_cadre_id or req.holder_id},
        )
        context["merge_form"] = forms.MergeForm()
        context["reject_form"] = forms.RejectForm()
        context["reply_form"] = forms.ReplyForm(initial={"reply": req.handling})
        context["duplicates"] = duplicate_candidates(user=user, request=req)
    if context["can_handle"]:
        context["handle_form"] = forms.HandleForm(
            initial={"visited_at": timezone.localtime(request.now).strftime("%Y-%m-%dT%H:%M")}
        )
    return render(request, "public/request_detail.html", context)


def _done(request, req, message):
    messages.success(request, message)
    return redirect("public:request-detail", pk=req.pk)


def _audited(request, req, kind, step, **detail):
    """One row of the security audit log for an office step that went through."""
    audit_record(kind=kind, request=request, target=req.code, step=step, pk=req.pk, **detail)


def _refused(request, req, exc):
    for text in getattr(exc, "messages", [str(exc)]):
        messages.error(request, text)
    return redirect("public:request-detail", pk=req.pk)


def _step(request, pk, form, act, *, done, invalid=None, audit=None):
    """One office step on a request: the form (built for the request) checked, then ``act(req,
    data)`` runs the service and returns what the audit row adds. A refusal changes nothing
    and says why (``invalid``, or the form's own errors); a step that went through is audited
    (``audit``: kind and step name)."""
    req = access_request(request.user, pk)
    bound = form(req)
    try:
        if not bound.is_valid():
            raise ValidationError(
                invalid or [e for errors in bound.errors.values() for e in errors]
            )
        detail = act(req, bound.cleaned_data) or {}
    except ValidationError as exc:
        return _refused(request, req, exc)
    if audit is not None:
        _audited(request, req, *audit, **detail)
    return _done(request, req, done)


@login_required
@require_POST
def request_assign(request, pk):
    def act(req, data):
        services.request_assign(
            request=req,
            user=request.user,
            cadre=data["cadre"],
            deadline=data["deadline"],
            today=request.today,
            note=data["note"],
        )
        return {"cadre": data["cadre"].pk}

    def form(req):
        return forms.AssignForm(
            request.POST, cadres=assignable_cadres(user=request.user, request=req)
        )

    return _step(
        request, pk, form, act, done=_("Assigned."), audit=(AuditKind.PUBLIC_TRIAGE, "assign")
    )


@login_required
@require_POST
def request_merge(request, pk):
    def act(req, data):
        code = data["into"].strip().upper()
        into = PublicRequest.objects.for_user(request.user).filter(code=code).first()
        if into is None:
            raise ValidationError(_("No request with that code."))
        services.request_merge(request=req, into=into, user=request.user)
        return {"into": into.code}

    return _step(
        request,
        pk,
        lambda req: forms.MergeForm(request.POST),
        act,
        done=_("Merged."),
        invalid=_("Give the receipt code."),
        audit=(AuditKind.PUBLIC_TRIAGE, "merge"),
    )


@login_required
@require_POST
def request_reject(request, pk):
    def act(req, data):
        services.request_reject(request=req, user=request.user, reason=data["reason"])

    return _step(
        request,
        pk,
        lambda req: forms.RejectForm(request.POST),
        act,
        done=_("Rejected."),
        invalid=_("Give the reason."),
        audit=(AuditKind.PUBLIC_TRIAGE, "reject"),
    )


@login_required
@require_POST
def request_handle(request, pk):
    def act(req, data):
        issue = None
        if data["issue"].strip():
            issue = {
                "category": ISSUE_CATEGORY.get(req.category, "other"),
                "severity": "general",
                "description": data["issue"],
                "actor_kind": "business",
            }
        services.request_handle(
            request=req,
            user=request.user,
            handling=data["handling"],
            visited_at=data["visited_at"],
            on_site=data["on_site"],
            issue=issue,
            idempotency_key=uuid.uuid4(),
        )

    return _step(
        request,
        pk,
        lambda req: forms.HandleForm(request.POST),
        act,
        done=_("Handled; the office approves the reply."),
    )


@login_required
@require_POST
def request_reply(request, pk):
    def act(req, data):
        services.request_reply(request=req, user=request.user, reply=data["reply"])

    return _step(
        request,
        pk,
        lambda req: forms.ReplyForm(request.POST),
        act,
        done=_("Reply approved; the request is closed."),
        invalid=_("Write the reply."),
        audit=(AuditKind.PUBLIC_REPLY, "reply"),
    )


@login_required
def request_photo(request, pk, photo_pk):
    req = access_request(request.user, pk)
    photo = get_object_or_404(RequestPhoto, request=req, pk=photo_pk)
    if not photo.image:
        raise Http404
    return stored_file_response(photo.image, content_type=content_type_for(photo.image.name))
