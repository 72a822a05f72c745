"""Bulk writes for a spreadsheet import: cadres with their aides, and holdings with their adjustment rows."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from baobao import clock
from baobao.batches import batched
from baobao.scoping import require_division_in_scope
from baobao.validators import normalize_phone
from cadres.loads import cadre_loads_recount
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    Assignment,
    Cadre,
    CadreAide,
)
from cadres.services.common import CADRE_EDITABLE_FIELDS
from cadres.tallies import holdings_recount
from entities.models import Entity


@transaction.atomic
def cadres_import_bulk(
    *,
    creates: list[dict],
    changes: list[tuple[Cadre, dict, list[dict]]],
    by,
    batch_size: int = 2000,
) -> None:
    """Register and update many cadres at once (a spreadsheet import), with their history rows.

    ``creates``: dicts of the cadre's fields plus ``aides`` ({kind, name, phone}); ``changes``:
    (cadre, {field: value}, aides to add). Rows are checked beforehand (phone, division, the
    number of aides for the level); the database's constraints still guard the phone.
    """

    new_aides: list[CadreAide] = []
    for chunk in batched(creates, batch_size):
        for row in chunk:
            require_division_in_scope(by, row["division"])
        cadres = [Cadre(**{k: v for k, v in row.items() if k != "aides"}) for row in chunk]
        # PostgreSQL and SQLite both return the new ids (RETURNING).
        cadres = bulk_create_with_history(cadres, Cadre, batch_size=batch_size, default_user=by)
        cadre_loads_recount(cadre_ids=[c.pk for c in cadres])
        for cadre, row in zip(cadres, chunk, strict=True):
            new_aides += [CadreAide(cadre_id=cadre.pk, **aide) for aide in row["aides"]]
    now = clock.now()
    updated = []
    for cadre, values, aides in changes:
        require_division_in_scope(by, cadre.division)
        unknown = set(values) - set(CADRE_EDITABLE_FIELDS)
        if unknown:
            raise TypeError(f"cadres_import_bulk() cannot change {sorted(unknown)}")
        for name, value in values.items():
            setattr(cadre, name, value)
        cadre.updated_at = now
        updated.append(cadre)
        new_aides += [CadreAide(cadre_id=cadre.pk, **aide) for aide in aides]
    fields = sorted({f for _cadre, values, _aides in changes for f in values})
    if fields:
        bulk_update_with_history(
            [c for c, values, _a in changes if values],
            Cadre,
            [*fields, "updated_at"],
            batch_size=batch_size,
            default_user=by,
        )
    for aide in new_aides:
        aide.phone = normalize_phone(aide.phone)
    bulk_create_with_history(new_aides, CadreAide, batch_size=batch_size, default_user=by)


@dataclass(frozen=True)
class HoldingChange:
    """One holding an import makes: ``entity`` to ``cadre`` from ``start_date``; ``current`` is
    the open holding it replaces (None for a new holding). Checked beforehand with level_fit."""

    entity: Entity
    cadre: Cadre
    start_date: datetime.date
    escalated: bool
    escalation_reason: str
    reason: str
    current: Assignment | None


@transaction.atomic
def holdings_import_bulk(
    *, changes: list[HoldingChange], by, default_reason: str, batch_size: int = 2000
) -> None:
    """Assign or transfer many businesses at once (a spreadsheet import): the replaced holdings
    end the day the new ones start, and every change writes its adjustment row (assign, escalate
    or transfer) exactly as the single services do. Stale rows (the holder changed since the
    check) are refused as a whole."""
    if not changes:
        return
    for change in changes:
        require_division_in_scope(by, change.entity.division)
    entity_ids = [c.entity.pk for c in changes]
    current = {}
    for chunk in batched(entity_ids, batch_size):
        for a in Assignment.objects.select_for_update(of=("self",)).filter(
            entity_id__in=chunk, end_date__isnull=True
        ):
            current[a.entity_id] = a
    for change in changes:
        now_held = current.get(change.entity.pk)
        expected = change.current.pk if change.current else None
        if (now_held.pk if now_held else None) != expected:
            raise ValidationError(
                _("Some of these holdings have changed meanwhile; check the file again."),
                code="stale",
            )
    ending: dict[datetime.date, list[int]] = {}
    for change in changes:
        if change.current:
            ending.setdefault(change.start_date, []).append(change.current.pk)
    for day, ids in ending.items():
        for chunk in batched(ids, batch_size):
            Assignment.objects.filter(pk__in=chunk).update(end_date=day)
    Assignment.objects.bulk_create(
        [
            Assignment(
                entity=c.entity,
                cadre=c.cadre,
                start_date=c.start_date,
                escalated=c.escalated,
                escalation_reason=c.escalation_reason if c.escalated else "",
                created_by=by,
            )
            for c in changes
        ],
        batch_size=batch_size,
    )
    ledger = []
    for c in changes:
        if c.current is None:
            kind = AdjustmentKind.ESCALATE if c.escalated else AdjustmentKind.ASSIGN
            reason = (c.escalation_reason if c.escalated else c.reason) or default_reason
        else:
            kind = AdjustmentKind.ESCALATE if c.escalated else AdjustmentKind.TRANSFER
            reason = c.reason or default_reason
        ledger.append(
            Adjustment(
                kind=kind,
                entity=c.entity,
                from_cadre_id=c.current.cadre_id if c.current else None,
                to_cadre=c.cadre,
                reason=reason,
                effective_date=c.start_date,
                created_by=by,
            )
        )
    Adjustment.objects.bulk_create(ledger, batch_size=batch_size)
    for chunk in batched(entity_ids, batch_size):
        holdings_recount(entity_ids=chunk)
