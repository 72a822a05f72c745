"""The auditor's pages (审计管理员): search the log and export what was found. Only the auditor
opens them; nobody can change a row from here or anywhere else."""

from tempfile import SpooledTemporaryFile

import openpyxl
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.forms import AuditFilterForm
from audit.models import AuditKind
from audit.selectors import audit_event_list
from audit.services import audit_record
from baobao.models import Role

EXPORT_MAX_ROWS = 100_000


def _require_auditor(user):
    if user.role != Role.AUDITOR:
        raise PermissionDenied(_("The audit log is for the auditor."))


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, audit_event_list(**{k: v for k, v in filters.items() if v})


@login_required
@require_GET
def audit_log(request):
    _require_auditor(request.user)
    form, events = _filtered(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@login_required
@require_GET
def audit_export(request):
    """The filtered log as .xlsx (at most EXPORT_MAX_ROWS rows); the export is itself audited."""
    _require_auditor(request.user)
    _form, events = _filtered(request)
    rows = list(events[:EXPORT_MAX_ROWS])
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit log"))
    ws.append(
        [
            _("Time"),
            _("Event"),
            _("Username"),
            _("Source address"),
            _("Target"),
            _("Result"),
            _("Detail"),
        ]
    )
    for event in rows:
        ws.append(
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.get_kind_display(),
                _text(event.username),
                event.ip or "",
                _text(event.target),
                event.get_result_display(),
                _text(_detail(event.detail)),
            ]
        )
    audit_record(
        kind=AuditKind.AUDIT_EXPORT, request=request, rows=len(rows), filters=request.GET.dict()
    )
    out = SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    wb.save(out)
    out.seek(0)
    stamp = timezone.localtime(request.now).strftime("%Y%m%d-%H%M")
    return FileResponse(out, as_attachment=True, filename=f"audit-{stamp}.xlsx")


def _detail(detail: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in detail.items())


def _text(value: str) -> str:
    """A cell that a spreadsheet will not read as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
