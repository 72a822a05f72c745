"""The import pages: download a template, upload a sheet, read its dry run, then import all or
nothing, or only the good rows. Only register writers; a batch is its uploader's alone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from audit.models import AuditKind, AuditResult
from audit.services import audit_record
from baobao.forms import add_service_error
from baobao.mixins import RegisterWriterRequiredMixin
from ledgers.forms import ImportRunForm, ImportUploadForm
from ledgers.imports import Action, import_batch_apply, import_batch_create, import_template
from ledgers.models import ImportBatch, ImportKind
from ledgers.xlsx import workbook_response

PLAN_PER_PAGE = 200
RECENT_BATCHES = 10


def _index(request, form, status=200):
    batches = ImportBatch.objects.for_user(request.user).defer("plan")[:RECENT_BATCHES]
    return render(
        request,
        "ledgers/import.html",
        {"form": form, "kinds": ImportKind.choices, "batches": batches},
        status=status,
    )


class ImportIndexView(RegisterWriterRequiredMixin, View):
    def get(self, request):
        return _index(request, ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _index(request, form, status=400)
        try:
            batch = import_batch_create(
                user=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return _index(request, form, status=400)
        return redirect("ledgers:import-batch", batch.pk)


class ImportTemplateView(RegisterWriterRequiredMixin, View):
    def get(self, request, kind):
        if kind not in ImportKind.values:
            raise Http404
        label = ImportKind(kind).label
        return workbook_response(
            import_template(kind), _("%(kind)s import template.xlsx") % {"kind": label}
        )


class ImportBatchView(RegisterWriterRequiredMixin, View):
    def _render(self, request, batch, form, status=200):
        show = request.GET.get("show", "")
        rows = (
            batch.plan if show not in Action.ALL else [r for r in batch.plan if r["action"] == show]
        )
        page = Paginator(rows, PLAN_PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "ledgers/import_batch.html",
            {"batch": batch, "form": form, "page": page, "show": show, "actions": Action},
            status=status,
        )

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)
        return self._render(request, batch, ImportRunForm())

    def post(self, request, pk):
        batch = get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)
        form = ImportRunForm(request.POST)
        if not form.is_valid():
            return self._render(request, batch, form, status=400)
        try:
            batch = import_batch_apply(batch=batch, mode=form.cleaned_data["mode"], by=request.user)
        except ValidationError as exc:
            audit_record(
                kind=AuditKind.IMPORT,
                request=request,
                target=batch.original_name,
                result=AuditResult.FAILURE,
                batch=batch.pk,
            )
            add_service_error(form, exc)
            batch.refresh_from_db()
            return self._render(request, batch, form, status=400)
        audit_record(
            kind=AuditKind.IMPORT,
            request=request,
            target=batch.original_name,
            batch=batch.pk,
            **batch.result,
        )
        messages.success(
            request,
            _(
                "Imported: %(created)d created, %(changed)d changed, %(skipped)d refused rows skipped."
            )
            % batch.result,
        )
        return redirect("ledgers:import-batch", batch.pk)
