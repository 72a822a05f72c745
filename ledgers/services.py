"""Writes of the ledgers app: export jobs (start, run, retry, sweep, purge). Imports are in
``ledgers.imports``.

A job always ends: the worker reports progress (``heartbeat_at``); a running job whose worker
stopped reporting for EXPORT_LEASE_SECONDS (killed, OOM) is failed by ``exports_sweep`` with the
reason, and the office can retry it. Files are named after their job (``job-<id>.xlsx``) and the
sweep deletes every file under exports/ that no job refers to.
"""

import datetime
import logging
import re

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from baobao import clock
from baobao.db_routers import replica_reads, write_apart, write_tracking
from baobao.outbox import outbox_enqueue
from ledgers.exports import export_workbook, ledger_keys
from ledgers.models import ExportJob, JobStatus
from ledgers.selectors import Period
from ledgers.xlsx import save_to_tempfile

logger = logging.getLogger(__name__)
PURGE_BATCH = 500
EXPORT_TASK = "ledgers.tasks.export_run"
JOB_FILE = re.compile(r"^job-(\d+)(?:_\w+)?\.xlsx$")


def export_job_start(
    *,
    user,
    ledgers: str,
    keys: list[str],
    division,
    period: Period | None,
    filename: str,
    rows: int,
) -> ExportJob:
    """Record a large export and hand it to a worker once the record is committed (through the
    outbox: a broker outage leaves it waiting, never lost, and the request still succeeds)."""
    job = ExportJob.objects.create(
        user=user,
        ledgers=ledgers,
        division=division,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        period_label=period.label if period else "",
        filename=filename,
        rows_expected=rows,
    )
    outbox_enqueue(task=EXPORT_TASK, args=[job.pk])
    return job


@transaction.atomic
def export_job_retry(*, job: ExportJob) -> bool:
    """Run a failed job again; False (nothing done) unless it failed."""
    updated = ExportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.PENDING,
        error="",
        rows_written=0,
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
    )
    if updated:
        outbox_enqueue(task=EXPORT_TASK, args=[job.pk])
    return bool(updated)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS)


def _claim(job_id: int, now: datetime.datetime) -> ExportJob | None:
    """Mark a waiting job (or one whose worker stopped reporting for the lease) running; None if
    another worker has it or it is finished."""
    stale = now - _lease()
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user__division", "division")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            return None
        alive = job.heartbeat_at or job.started_at
        if job.status == JobStatus.RUNNING and alive and alive > stale:
            return None
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        job.status = JobStatus.RUNNING
        job.started_at = now
        job.heartbeat_at = now
        job.rows_written = 0
        job.save(update_fields=["status", "started_at", "heartbeat_at", "rows_written"])
    return job


def export_job_run(*, job_id: int, now: datetime.datetime | None = None) -> ExportJob | None:
    """Write a job's workbook to MEDIA_ROOT/exports/ and mark it done (or failed). Safe to run
    twice: a job that is done, or running in another worker, is left alone."""
    now = now or clock.now()
    job = _claim(job_id, now)
    if job is None:
        return None
    period = (
        Period(job.period_start, job.period_end, job.period_label)
        if job.period_start or job.period_end
        else None
    )

    def progress(rows: int) -> None:
        with write_apart():  # a counter and a lease: the ledger reads do not depend on them
            ExportJob.objects.filter(pk=job.pk).update(rows_written=rows, heartbeat_at=clock.read())

    try:
        # The ledger reads may come from the read replica (a few seconds stale is fine for an
        # export); the job's own rows above and below stay on the primary.
        with translation.override(settings.LANGUAGE_CODE), write_tracking(), replica_reads():
            wb = export_workbook(
                user=job.user,
                keys=ledger_keys(job.ledgers),
                division=job.division,
                period=period,
                exported_at=now,
                progress=progress,
            )
            with save_to_tempfile(wb) as handle:
                job.file.save(job.filename, File(handle), save=False)
    except Exception as exc:
        logger.exception("Export job %s failed", job.pk)
        if job.file:
            job.file.delete(save=False)
        job.status = JobStatus.FAILED
        job.error = str(exc)[:2000]
        job.finished_at = clock.read()  # when the work ended, not when it began
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.refresh_from_db(fields=["rows_written"])
    job.status = JobStatus.DONE
    job.finished_at = clock.read()  # when the work ended, not when it began
    job.expires_at = job.finished_at + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    job.save(update_fields=["status", "file", "finished_at", "expires_at"])
    return job


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports past their retention, in bounded batches; the job rows stay
    (without file) as the record of what was exported. Returns how many files were removed."""
    now = now or clock.now()
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(
                ExportJob.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lt=now)
                .exclude(file="")
                .order_by("expires_at")[:PURGE_BATCH]
            )
            for job in batch:
                job.file.delete(save=False)
                job.file = ""
                job.save(update_fields=["file"])
        removed += len(batch)
        if len(batch) < PURGE_BATCH:
            return removed


def exports_sweep(*, now: datetime.datetime) -> dict:
    """Fail running jobs whose worker stopped reporting for the lease, and delete the export
    files no job refers to. Returns counts: failed, deleted."""
    lost = gettext("The export stopped: its worker was lost (restarted or out of memory). Retry.")
    stale = now - _lease()
    failed = (
        ExportJob.objects.filter(status=JobStatus.RUNNING)
        .exclude(heartbeat_at__gt=stale)
        .exclude(heartbeat_at__isnull=True, started_at__gt=stale)
        .update(status=JobStatus.FAILED, error=lost, finished_at=now)
    )
    return {"failed": failed, "deleted": _orphans_delete(now=now)}


def _orphans_delete(*, now: datetime.datetime) -> int:
    """Delete files under exports/ that no job refers to: a job's own file is kept, and so is
    any file of a job still running on a live lease (its worker is writing it)."""
    try:
        years, _files = default_storage.listdir("exports")
    except FileNotFoundError:
        return 0
    found = {
        f"exports/{year}/{name}": name
        for year in years
        for name in default_storage.listdir(f"exports/{year}")[1]
    }
    if not found:
        return 0
    referenced = set(ExportJob.objects.filter(file__in=list(found)).values_list("file", flat=True))
    ids = {int(m.group(1)) for name in found.values() if (m := JOB_FILE.match(name))}
    writing = set(
        ExportJob.objects.filter(
            pk__in=ids, status=JobStatus.RUNNING, heartbeat_at__gt=now - _lease()
        ).values_list("pk", flat=True)
    )
    deleted = 0
    for path, name in found.items():
        match = JOB_FILE.match(name)
        if path in referenced or (match and int(match.group(1)) in writing):
            continue
        if not match and default_storage.get_modified_time(path) > now - _lease():
            continue  # an old-style name, just written: leave it one lease
        default_storage.delete(path)
        deleted += 1
    return deleted
