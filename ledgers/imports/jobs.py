"""An import batch as a worker's job: the check (read the file once, store the rows and the
dry run, with progress), the import (plan the stored rows, write), and the sweeper that hands
waiting batches to the broker again and ends those whose worker died.

Every job ends: ``checked``/``imported`` when it worked; a check that failed is ``failed`` with
the reason (and can be tried again); an import that failed goes back to ``checked`` with the
reason (its transaction rolled back: nothing was written) so it can be started again.
"""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from baobao import clock
from ledgers.imports.enqueue import import_job_enqueue, import_jobs_unsent
from ledgers.imports.plans import plan_counts, plan_rows
from ledgers.imports.services import import_batch_apply
from ledgers.imports.sheet import read_rows
from ledgers.models import ImportBatch, ImportStatus

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
SWEEP_BATCH = 100


def _lease(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


def _claim(batch_id: int, now: datetime.datetime) -> ImportBatch | None:
    """Take a waiting batch (to check, or to import) under a lease; None if it is not waiting
    or another worker holds it."""
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user__division")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None:
            return None
        if batch.status == ImportStatus.PENDING:
            batch.status = ImportStatus.CHECKING
            batch.rows_read = batch.rows_checked = 0
        elif not (batch.status == ImportStatus.IMPORTING and batch.lease_until is None):
            return None
        batch.lease_until = _lease(now)
        batch.save(update_fields=["status", "rows_read", "rows_checked", "lease_until"])
    return batch


def import_job_run(*, batch_id: int, now: datetime.datetime) -> ImportBatch | None:
    """Run what a batch waits for: its check or its import. Safe to run twice."""
    batch = _claim(batch_id, now)
    if batch is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        if batch.status == ImportStatus.CHECKING:
            return _check(batch)
        return _import(batch)


def _progress(batch: ImportBatch, field: str):
    """A callback storing ``field`` = n every PROGRESS_EVERY rows, renewing the lease."""

    def report(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            ImportBatch.objects.filter(pk=batch.pk).update(
                **{field: count}, lease_until=_lease(clock.now())
            )

    return report


def _check(batch: ImportBatch) -> ImportBatch:
    try:
        rows = []
        on_read = _progress(batch, "rows_read")
        with batch.file.open("rb") as handle:
            for row_no, values in read_rows(handle, batch.kind):
                rows.append((row_no, values))
                on_read(len(rows))
        ImportBatch.objects.filter(pk=batch.pk).update(rows_read=len(rows))
        plans = plan_rows(
            kind=batch.kind,
            rows=rows,
            user=batch.user,
            progress=_progress(batch, "rows_checked"),
        )
    except ValidationError as exc:
        return _end(batch, ImportStatus.FAILED, "；".join(exc.messages))
    except Exception:
        logger.exception("Import batch %s: the check failed", batch.pk)
        return _end(batch, ImportStatus.FAILED, _("The file could not be checked; try again."))
    batch.sheet_rows = rows
    batch.plan = [p.as_json() for p in plans]
    batch.counts = plan_counts(plans)
    batch.rows_read = batch.rows_checked = len(rows)
    batch.status = ImportStatus.CHECKED
    batch.lease_until = None
    batch.error = ""
    batch.save()
    return batch


def _imported_key(batch_id: int) -> str:
    return f"import-batch:{batch_id}:imported"


def import_progress_imported(*, batch: ImportBatch) -> int | None:
    """Rows the running import of ``batch`` has written so far, or None when unknown. Kept in
    the cache, not the row: the import writes in one transaction, which hides its own progress
    from the page until it commits. A cache that is down leaves the bar without a value."""
    try:
        return cache.get(_imported_key(batch.pk))
    except Exception:
        logger.warning("Import progress of batch %s unavailable", batch.pk, exc_info=True)
        return None


def _imported_progress(batch: ImportBatch):
    """A callback storing the rows written so far in the cache, renewing the lease."""

    def report(count: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(lease_until=_lease(clock.now()))
        try:
            cache.set(_imported_key(batch.pk), count, settings.IMPORT_LEASE_SECONDS)
        except Exception:
            logger.warning("Import progress of batch %s not stored", batch.pk, exc_info=True)

    return report


def _import(batch: ImportBatch) -> ImportBatch:
    progress = _imported_progress(batch)
    progress(0)  # an earlier, interrupted run's count is not this one's
    try:
        return import_batch_apply(batch=batch, mode=batch.mode, by=batch.user, progress=progress)
    except ValidationError as exc:
        return _end(batch, ImportStatus.CHECKED, "；".join(exc.messages))
    except Exception:
        logger.exception("Import batch %s: the import failed", batch.pk)
        return _end(
            batch, ImportStatus.CHECKED, _("The import failed and nothing was imported; try again.")
        )


def _end(batch: ImportBatch, status: str, reason: str) -> ImportBatch:
    batch.status = status
    batch.error = reason[:2000]
    batch.lease_until = None
    batch.save(update_fields=["status", "error", "lease_until"])
    return batch


def import_jobs_sweep(*, now: datetime.datetime) -> dict:
    """Hand again the batches waiting over a minute whose message was sent but lost (one still
    in the outbox is the outbox's to send), and end those whose worker's lease expired: a check as failed, an import back to
    checked (its transaction never committed). Returns the counts."""
    waited = now - datetime.timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS)
    waiting = ImportBatch.objects.filter(queued_at__lt=waited).filter(
        status=ImportStatus.PENDING
    ) | ImportBatch.objects.filter(
        queued_at__lt=waited, status=ImportStatus.IMPORTING, lease_until__isnull=True
    )
    in_outbox = import_jobs_unsent()
    requeued = list(
        waiting.exclude(pk__in=in_outbox)
        .order_by("queued_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    with transaction.atomic():
        ImportBatch.objects.filter(pk__in=requeued).update(queued_at=now)
        for pk in requeued:
            import_job_enqueue(pk)
    with translation.override(settings.LANGUAGE_CODE):
        failed = ImportBatch.objects.filter(
            status=ImportStatus.CHECKING, lease_until__lt=now
        ).update(
            status=ImportStatus.FAILED,
            lease_until=None,
            error=_("The check was interrupted (the worker stopped); try again."),
        )
        reopened = ImportBatch.objects.filter(
            status=ImportStatus.IMPORTING, lease_until__lt=now
        ).update(
            status=ImportStatus.CHECKED,
            lease_until=None,
            error=_("The import was interrupted and nothing was imported; try again."),
        )
    return {"requeued": len(requeued), "failed": failed, "reopened": reopened}
