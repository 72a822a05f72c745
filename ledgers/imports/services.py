"""Importing a sheet: upload (``import_batch_create``; a worker checks it, ``ledgers.imports.jobs``),
then the import itself (``import_batch_apply_start``; a worker runs ``import_batch_apply``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditKind
from audit.services import audit_record
from baobao import clock
from baobao.batches import batched
from baobao.scoping import require_register_writer
from cadres.services import HoldingChange, cadres_import_bulk, holdings_import_bulk
from entities.services import entities_create_bulk, entities_update_bulk
from ledgers.imports.enqueue import import_job_enqueue
from ledgers.imports.guard import workbook_check
from ledgers.imports.plans import plan_counts, plan_rows
from ledgers.imports.rows import RowPlan
from ledgers.imports.sheet import Action, site_label
from ledgers.models import ImportBatch, ImportKind, ImportMode, ImportStatus

# Rows written per call of the bulk services: the import's progress moves by this much.
APPLY_CHUNK = 2000

# ---------------------------------------------------------------- services


@transaction.atomic
def import_batch_create(*, user, kind: str, upload) -> ImportBatch:
    """Store an uploaded sheet (private, random name) and hand its check to a worker once
    committed. A file that is not a workbook, or would unpack out of bounds, is refused here
    with ValidationError (checked on the zip's directory, nothing parsed) and nothing is kept."""

    require_register_writer(user)
    workbook_check(upload)
    batch = ImportBatch(user=user, kind=kind, original_name=upload.name[:200])
    batch.file.save("import.xlsx", upload, save=False)
    batch.queued_at = clock.now()
    batch.save()
    import_job_enqueue(batch.pk)
    return batch


@transaction.atomic
def import_batch_apply_start(*, batch: ImportBatch, mode: str, by) -> ImportBatch:
    """Hand the import of a checked batch to a worker. All-or-nothing with refused rows in the
    dry run is refused at once."""

    require_register_writer(by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.IMPORTED:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    if batch.status != ImportStatus.CHECKED:
        raise ValidationError(_("This file is not ready to import."), code="not_checked")
    refused = batch.counts.get(Action.REFUSED, 0)
    if mode == ImportMode.ALL_OR_NOTHING and refused:
        raise _refused_error(refused)
    batch.status = ImportStatus.IMPORTING
    batch.mode = mode
    batch.error = ""
    batch.queued_at = clock.now()
    batch.lease_until = None
    batch.save(update_fields=["status", "mode", "error", "queued_at", "lease_until"])
    import_job_enqueue(batch.pk)
    return batch


@transaction.atomic
def import_batch_retry(*, batch: ImportBatch, by) -> ImportBatch:
    """Check a failed batch again from its stored file."""

    require_register_writer(by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.FAILED or not batch.file:
        raise ValidationError(_("Only a failed check can be tried again."), code="not_failed")
    batch.status = ImportStatus.PENDING
    batch.error = ""
    batch.rows_read = batch.rows_checked = 0
    batch.queued_at = clock.now()
    batch.lease_until = None
    batch.save()
    import_job_enqueue(batch.pk)
    return batch


def _refused_error(count: int) -> ValidationError:
    return ValidationError(
        _(
            "%(n)d rows are refused, so nothing was imported. Correct them, or import only the good rows."
        )
        % {"n": count},
        code="rows_refused",
    )


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, mode: str, by, progress=None) -> ImportBatch:
    """Import a checked batch: all rows or none (refused if any row is bad), or only the good
    rows. The rows stored by the check are planned again against the registers as they are
    now; the file is not read again. ``progress(n)`` is called as each chunk of rows is
    written, with the rows written so far."""

    require_register_writer(by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.IMPORTED:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    plans = plan_rows(kind=batch.kind, rows=batch.sheet_rows, user=batch.user)
    refused = [p for p in plans if p.action == Action.REFUSED]
    if mode == ImportMode.ALL_OR_NOTHING and refused:
        raise _refused_error(len(refused))
    good = [p for p in plans if p.action in (Action.CREATE, Action.CHANGE)]
    written = 0
    for chunk in batched(good, APPLY_CHUNK):
        APPLIERS[batch.kind](chunk, by)
        written += len(chunk)
        if progress is not None:
            progress(written)
    batch.plan = [p.as_json() for p in plans]
    batch.counts = plan_counts(plans)
    batch.status = ImportStatus.IMPORTED
    batch.mode = mode
    batch.error = ""
    batch.lease_until = None
    batch.result = {
        "created": sum(1 for p in good if p.action == Action.CREATE),
        "changed": sum(1 for p in good if p.action == Action.CHANGE),
        "skipped": len(refused),
    }
    batch.imported_at = clock.now()
    batch.save()
    # The security audit: who imported what, and how many rows (the worker has no request).
    audit_record(
        kind=AuditKind.IMPORT, user=by, target=batch.original_name, batch=batch.pk, **batch.result
    )
    return batch


def _apply_entities(plans: list[RowPlan], by) -> None:

    entities_create_bulk(
        rows=[
            {**p.extra["data"], "division": p.extra["division"]}
            for p in plans
            if p.action == Action.CREATE
        ],
        by=by,
        reason=site_label(gettext_lazy("Imported from a spreadsheet")),
    )
    entities_update_bulk(
        changes=[
            (p.target, {f: p.extra["data"][f] for f in p.extra["changed"]})
            for p in plans
            if p.action == Action.CHANGE
        ],
        by=by,
    )


def _apply_cadres(plans: list[RowPlan], by) -> None:

    cadres_import_bulk(
        creates=[
            {
                **p.extra["data"],
                "division": p.extra["division"],
                "phone": p.extra["phone"],
                "aides": p.extra["aides"],
            }
            for p in plans
            if p.action == Action.CREATE
        ],
        changes=[
            (p.target, {f: p.extra["data"][f] for f in p.extra["changed"]}, p.extra["new_aides"])
            for p in plans
            if p.action == Action.CHANGE
        ],
        by=by,
    )


def _apply_holdings(plans: list[RowPlan], by) -> None:

    holdings_import_bulk(
        changes=[
            HoldingChange(
                entity=p.extra["entity"],
                cadre=p.extra["cadre"],
                start_date=p.extra["start"],
                escalated=p.extra["escalated"],
                escalation_reason=p.extra["escalation_reason"],
                reason=p.extra["reason"],
                current=p.extra["holding"],
            )
            for p in plans
        ],
        by=by,
        default_reason=site_label(gettext_lazy("Imported from a spreadsheet")),
    )


APPLIERS = {
    ImportKind.ENTITIES: _apply_entities,
    ImportKind.CADRES: _apply_cadres,
    ImportKind.HOLDINGS: _apply_holdings,
}
