"""The import pages: download a template, upload a sheet, follow its check (a worker's job: the
page reloads itself until it ends), read its dry run, then import all or nothing, or only the
good rows (a job again). Only register writers; a batch is its uploader's alone."""

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
from ledgers.imports import (
    Action,
    import_batch_apply_start,
    import_batch_create,
    import_batch_retry,
    import_errors_workbook,
    import_template,
)
from ledgers.imports.jobs import import_progress_imported
from ledgers.models import ImportBatch, ImportKind, ImportStatus
from ledgers.xlsx import workbook_response

PLAN_PER_PAGE = 200
RECENT_BATCHES = 10


def _index(request, form, status=200):
    batches = ImportBatch.objects.for_user(request.user).defer("plan", "sheet_rows")[
        :RECENT_BATCHES
    ]
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
            import_template(kind, user=request.user),
            _("%(kind)s import template.xlsx") % {"kind": label},
        )


def _batch(request, pk) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.for_user(request.user).defer("sheet_rows"), pk=pk)


class ImportBatchView(RegisterWriterRequiredMixin, View):
    def _render(self, request, batch, form, status=200):
        show = request.GET.get("show", "")
        rows = (
            batch.plan if show not in Action.ALL else [r for r in batch.plan if r["action"] == show]
        )
        page = Paginator(rows, PLAN_PER_PAGE).get_page(request.GET.get("page"))
        importing = None
        if batch.status == ImportStatus.IMPORTING:
            counts = batch.counts
            importing = {
                "done": import_progress_imported(batch=batch),
                "total": counts.get(Action.CREATE, 0) + counts.get(Action.CHANGE, 0),
            }
        return render(
            request,
            "ledgers/import_batch.html",
            {
                "batch": batch,
                "form": form,
                "page": page,
                "show": show,
                "actions": Action,
                "importing": importing,
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(request, _batch(request, pk), ImportRunForm())

    def post(self, request, pk):
        batch = _batch(request, pk)
        form = ImportRunForm(request.POST)
        if not form.is_valid():
            return self._render(request, batch, form, status=400)
        try:
            import_batch_apply_start(batch=batch, mode=form.cleaned_data["mode"], by=request.user)
        except ValidationError as exc:
            audit_record(
                kind=AuditKind.IMPORT,
                request=request,
                target=batch.original_name,
                result=AuditResult.FAILURE,
                batch=batch.pk,
            )
            add_service_error(form, exc)
            return self._render(request, _batch(request, pk), form, status=400)
        messages.info(request, _("The import has started; this page shows when it is done."))
        return redirect("ledgers:import-batch", batch.pk)


class ImportBatchRetryView(RegisterWriterRequiredMixin, View):
    def post(self, request, pk):
        batch = _batch(request, pk)
        try:
            import_batch_retry(batch=batch, by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("ledgers:import-batch", batch.pk)


class ImportErrorsView(RegisterWriterRequiredMixin, View):
    """The checked sheet with its refused rows marked, to correct and upload again."""

    def get(self, request, pk):
        batch = get_object_or_404(
            ImportBatch.objects.for_user(request.user).defer("sheet_rows"), pk=pk
        )
        if batch.status not in (
            ImportStatus.CHECKED,
            ImportStatus.IMPORTED,
        ) or not batch.counts.get(Action.REFUSED):
            raise Http404
        return workbook_response(
            import_errors_workbook(batch=batch),
            _("%(name)s (refused rows marked).xlsx")
            % {"name": batch.original_name.removesuffix(".xlsx")},
        )
