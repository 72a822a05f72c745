"""Celery tasks of the ledgers: a large export, the sweep of lost jobs and orphan files, the purge
of expired export files, the dashboards' cached figures and snapshots, and spreadsheet imports
(queue "imports"; their sweeper runs on "default")."""

from celery import shared_task

from baobao import clock
from ledgers import services
from ledgers.coverage import coverage_month_record_unscoped
from ledgers.dashboards import dashboard_snapshots_take_unscoped, dashboards_refresh_unscoped
from ledgers.imports import jobs as import_jobs


@shared_task(ignore_result=True)
def export_run(job_id: int) -> None:
    """Write one export job's workbook; safe to run twice (a finished or claimed job is skipped)."""
    services.export_job_run(job_id=job_id, now=clock.read())


@shared_task(ignore_result=True)
def exports_purge() -> int:
    """Delete export files past EXPORT_RETENTION_DAYS; the job rows stay as the record."""
    return services.exports_purge(now=clock.read())


@shared_task(ignore_result=True)
def exports_sweep() -> dict:
    """Fail export jobs whose worker was lost and delete export files no job refers to."""
    return services.exports_sweep(now=clock.read())


@shared_task(ignore_result=True)
def quarter_figures_refresh() -> int:
    """Recompute the dashboards' cached figures of settled quarters for every province, city and
    county; safe to run twice (each run overwrites the same cache entries)."""
    return dashboards_refresh_unscoped(today=clock.local_day(clock.read()))


@shared_task(ignore_result=True)
def dashboard_snapshots_take() -> int | None:
    """Recompute the dashboards of the province and every city and store them as snapshots; safe
    to run twice (each run replaces the same snapshots, and a run still going makes the next one
    skip)."""
    return dashboard_snapshots_take_unscoped(now=clock.read())


@shared_task(ignore_result=True)
def coverage_month_record() -> int:
    """Record today's coverage of every division as its month's row; safe to run twice (a run
    replaces the month's rows)."""
    return coverage_month_record_unscoped(today=clock.local_day(clock.read()))


@shared_task(ignore_result=True)
def import_run(batch_id: int) -> None:
    """Check an uploaded sheet, or import a checked one; safe to run twice (a batch that is not
    waiting, or held by another worker, is skipped)."""
    import_jobs.import_job_run(batch_id=batch_id, now=clock.read())


@shared_task(ignore_result=True)
def imports_sweep() -> dict:
    """Hand waiting import batches to the broker again and end those whose worker died."""
    return import_jobs.import_jobs_sweep(now=clock.read())
