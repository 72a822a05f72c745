"""The export pages: choose ledger(s), area and period; small files stream at once, large ones run
on a worker with a progress page and a download kept for EXPORT_RETENTION_DAYS."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from baobao.db_routers import ReplicaReadMixin
from baobao.mixins import OfficeRequiredMixin
from baobao.selectors import access_division
from baobao.storage import stored_file_response
from ledgers.exports import LEDGERS, export_filename, export_size, export_workbook, ledger_keys
from ledgers.forms import ExportForm
from ledgers.models import ExportJob, JobStatus
from ledgers.services import export_job_retry, export_job_start
from ledgers.xlsx import XLSX_CONTENT_TYPE, workbook_response

RECENT_JOBS = 10


def _chosen_division(user, value):
    """The division to export: the one asked for if inside the user's scope (a forged or foreign
    id is 404), else the top of the user's scope (None for the admin: everything)."""
    if value not in (None, ""):
        division = access_division(user, value)
        if division is None:
            raise Http404
        return division
    return user.division if user.is_office and user.division_id else None


def _page(request, form, division, status=200):
    jobs = ExportJob.objects.for_user(request.user).select_related("division")[:RECENT_JOBS]
    context = {
        "form": form,
        "division": division,
        "ledgers": LEDGERS.values(),
        "jobs": jobs,
        "sync_max": settings.EXPORT_SYNC_MAX_ROWS,
    }
    return render(request, "ledgers/index.html", context, status=status)


class ExportIndexView(OfficeRequiredMixin, ReplicaReadMixin, View):
    def get(self, request):
        division = _chosen_division(request.user, request.GET.get("division"))
        return _page(request, ExportForm(today=request.today), division)


class ExportView(OfficeRequiredMixin, ReplicaReadMixin, View):
    """Stream the file when it holds at most EXPORT_SYNC_MAX_ROWS rows (counted with a bound),
    else start an export job and show its page."""

    def post(self, request):
        user = request.user
        division = _chosen_division(user, request.POST.get("division"))
        form = ExportForm(request.POST, today=request.today)
        if not form.is_valid():
            return _page(request, form, division, status=400)
        choice, period = form.cleaned_data["ledger"], form.cleaned_data["period"]
        keys = ledger_keys(choice)
        filename = export_filename(keys=keys, division=division, period=period, today=request.today)
        limit = settings.EXPORT_SYNC_MAX_ROWS
        size = export_size(user=user, keys=keys, division=division, period=period, limit=limit)
        if size > limit:
            job = export_job_start(
                user=user,
                ledgers=choice,
                keys=keys,
                division=division,
                period=period,
                filename=filename,
                rows=size,
            )
            return redirect("ledgers:export-job", job.pk)
        wb = export_workbook(
            user=user, keys=keys, division=division, period=period, exported_at=request.now
        )
        return workbook_response(wb, filename)


class ExportJobView(OfficeRequiredMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(
            ExportJob.objects.for_user(request.user).select_related("division"), pk=pk
        )
        return render(request, "ledgers/export_job.html", {"job": job})


class ExportRetryView(OfficeRequiredMixin, View):
    def post(self, request, pk):
        job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)
        export_job_retry(job=job)
        return redirect("ledgers:export-job", job.pk)


class ExportDownloadView(OfficeRequiredMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)
        if job.status != JobStatus.DONE or not job.file:
            raise Http404
        return stored_file_response(
            job.file, content_type=XLSX_CONTENT_TYPE, filename=job.filename, as_attachment=True
        )
