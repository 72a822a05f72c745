"""Writes of the ledgers app: export jobs (start, run, purge). Imports are in ``ledgers.imports``."""

import datetime
import logging

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import translation

from baobao import clock
from baobao.db_routers import replica_reads, write_apart, write_tracking
from ledgers.exports import export_workbook, ledger_keys
from ledgers.models import ExportJob, JobStatus
from ledgers.selectors import Period
from ledgers.xlsx import save_to_tempfile

logger = logging.getLogger(__name__)
PURGE_BATCH = 500


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
    """Record a large export and hand it to a worker once the record is committed."""
    from ledgers.tasks import export_run

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
    transaction.on_commit(lambda: export_run.delay(job.pk))
    return job


def _claim(job_id: int, now: datetime.datetime) -> ExportJob | None:
    """Mark a waiting job (or one whose worker died past the time limit) running; None if another
    worker has it or it is finished."""
    stale = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user__division", "division")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            return None
        if job.status == JobStatus.RUNNING and job.started_at and job.started_at > stale:
            return None
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        job.status = JobStatus.RUNNING
        job.started_at = now
        job.rows_written = 0
        job.save(update_fields=["status", "started_at", "rows_written"])
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
        with write_apart():  # a counter: the ledger reads do not depend on it
            ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

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
