"""Celery tasks of the ledgers: a large export, and the purge of expired export files."""

from celery import shared_task

from ledgers import services
from ledgers.dashboards import dashboards_refresh_unscoped


@shared_task(ignore_result=True)
def export_run(job_id: int) -> None:
    """Write one export job's workbook; safe to run twice (a finished or claimed job is skipped)."""
    services.export_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def exports_purge() -> int:
    """Delete export files past EXPORT_RETENTION_DAYS; the job rows stay as the record."""
    return services.exports_purge()


@shared_task(ignore_result=True)
def quarter_figures_refresh() -> int:
    """Recompute the dashboards' cached figures of settled quarters for every province, city and
    county; safe to run twice (each run overwrites the same cache entries)."""
    return dashboards_refresh_unscoped()
