"""Importing a sheet: upload and dry run (``import_batch_create``), then the import itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao import clock
from baobao.scoping import require_register_writer
from cadres.services import HoldingChange, cadres_import_bulk, holdings_import_bulk
from entities.services import entities_create_bulk, entities_update_bulk
from ledgers.imports.plans import plan_batch, plan_counts
from ledgers.imports.rows import RowPlan
from ledgers.imports.sheet import Action, SheetError, site_label
from ledgers.models import ImportBatch, ImportKind, ImportMode, ImportStatus

# ---------------------------------------------------------------- services


@transaction.atomic
def import_batch_create(*, user, kind: str, upload) -> ImportBatch:
    """Store an uploaded sheet (private, random name) and its dry run; nothing else changes.
    A sheet that cannot be read at all is refused with ValidationError."""

    require_register_writer(user)
    batch = ImportBatch(user=user, kind=kind, original_name=upload.name[:200])
    batch.file.save("import.xlsx", upload, save=False)
    try:
        plans = plan_batch(batch)
    except SheetError:
        batch.file.delete(save=False)
        raise
    batch.plan = [p.as_json() for p in plans]
    batch.counts = plan_counts(plans)
    batch.save()
    return batch


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, mode: str, by) -> ImportBatch:
    """Import a checked batch: all rows or none (refused if any row is bad), or only the good
    rows. The sheet is planned again against the registers as they are now."""

    require_register_writer(by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.IMPORTED:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    plans = plan_batch(batch)
    refused = [p for p in plans if p.action == Action.REFUSED]
    if mode == ImportMode.ALL_OR_NOTHING and refused:
        raise ValidationError(
            _(
                "%(n)d rows are refused, so nothing was imported. Correct them, or import only the good rows."
            )
            % {"n": len(refused)},
            code="rows_refused",
        )
    good = [p for p in plans if p.action in (Action.CREATE, Action.CHANGE)]
    APPLIERS[batch.kind](good, by)
    batch.plan = [p.as_json() for p in plans]
    batch.counts = plan_counts(plans)
    batch.status = ImportStatus.IMPORTED
    batch.mode = mode
    batch.result = {
        "created": sum(1 for p in good if p.action == Action.CREATE),
        "changed": sum(1 for p in good if p.action == Action.CHANGE),
        "skipped": len(refused),
    }
    batch.imported_at = clock.now()
    batch.save()
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
