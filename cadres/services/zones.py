"""Zones held whole (分片包保): assign, transfer, end, and a business joining or leaving a held zone."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baobao import clock
from baobao.scoping import require_division_in_scope
from baobao.services import require_reason, resolve_date
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    Assignment,
    Cadre,
    ZoneAssignment,
)
from cadres.services.assignments import end_rows, transfer_rows
from cadres.services.common import (
    adjustments_add,
    current_assignment,
    level_fit,
    lock_cadre,
    zone_fit,
)
from cadres.tallies import holdings_recount
from entities.models import Entity, EntityStatus, Zone


def _zone_entities(zone: Zone) -> list[Entity]:
    return list(
        Entity.objects.select_for_update(of=("self",))
        .select_related("division")
        .filter(zone=zone)
        .exclude(status=EntityStatus.CLOSED)
        .order_by("pk")
    )


@transaction.atomic
def zone_assign(
    *, zone: Zone, cadre: Cadre, reason: str, by, start_date: datetime.date | None = None
) -> ZoneAssignment:
    """A cadre takes a whole zone (分片包保): every open business in it is then held by them.

    Businesses in the zone that were held directly pass to the zone's cadre.
    """
    reason = require_reason(reason)
    start_date = resolve_date(start_date)
    zone = Zone.objects.select_for_update(of=("self",)).select_related("division").get(pk=zone.pk)
    cadre = lock_cadre(cadre)
    require_division_in_scope(by, zone.division)
    if ZoneAssignment.objects.filter(zone=zone, end_date__isnull=True).exists():
        raise ValidationError(
            _("%(zone)s already has a cadre; transfer the zone instead.") % {"zone": zone},
            code="zone_held",
        )
    zone_fit(cadre=cadre, zone=zone)
    entities = _zone_entities(zone)
    for entity in entities:
        level_fit(cadre=cadre, entity=entity, through_zone=True)
    zone_assignment = ZoneAssignment.objects.create(
        zone=zone, cadre=cadre, start_date=start_date, created_by=by
    )
    held = {
        a.entity_id: a
        for a in Assignment.objects.select_related("entity__division", "cadre").filter(
            entity__in=entities, end_date__isnull=True
        )
    }
    transfer_rows(
        assignments=list(held.values()),
        to_cadre=cadre,
        reason=reason,
        escalation_reason="",
        by=by,
        effective_date=start_date,
        via_zone=zone_assignment,
        kind=AdjustmentKind.ZONE_ASSIGN,
    )
    _zone_hold_unheld(
        zone_assignment=zone_assignment,
        entities=[e for e in entities if e.pk not in held],
        reason=reason,
        by=by,
        effective_date=start_date,
    )
    return zone_assignment


def _zone_hold_unheld(
    *, zone_assignment: ZoneAssignment, entities: list[Entity], reason: str, by, effective_date
) -> None:
    cadre = zone_assignment.cadre
    rows, ledger = [], []
    for entity in entities:
        level_fit(cadre=cadre, entity=entity, through_zone=True)
        rows.append(
            Assignment(
                entity=entity,
                cadre=cadre,
                start_date=effective_date,
                via_zone=zone_assignment,
                created_by=by,
            )
        )
        ledger.append(
            Adjustment(
                kind=AdjustmentKind.ZONE_ASSIGN,
                entity=entity,
                to_cadre=cadre,
                zone=zone_assignment.zone,
                reason=reason,
                effective_date=effective_date,
                created_by=by,
            )
        )
    Assignment.objects.bulk_create(rows)
    adjustments_add(ledger)
    holdings_recount(entity_ids=[e.pk for e in entities])


def _zone_dates_ordered(zone_assignment: ZoneAssignment, effective_date: datetime.date) -> None:
    if effective_date < zone_assignment.start_date:
        raise ValidationError(
            _("The effective date is before this zone holding began (%(start)s).")
            % {"start": zone_assignment.start_date},
            code="date_before_start",
        )


@transaction.atomic
def zone_transfer(
    *,
    zone_assignment: ZoneAssignment,
    to_cadre: Cadre,
    reason: str,
    by,
    effective_date: datetime.date | None = None,
) -> ZoneAssignment:
    """Hand a whole zone to another cadre; every business held through it moves with it."""
    reason = require_reason(reason)
    effective_date = resolve_date(effective_date)
    old = (
        ZoneAssignment.objects.select_for_update(of=("self",))
        .select_related("zone__division")
        .get(pk=zone_assignment.pk)
    )
    to_cadre = lock_cadre(to_cadre)
    require_division_in_scope(by, old.zone.division)
    if old.end_date is not None:
        raise ValidationError(_("This zone holding has already ended."), code="ended")
    zone_fit(cadre=to_cadre, zone=old.zone)
    _zone_dates_ordered(old, effective_date)
    old.end_date = effective_date
    old.save(update_fields=["end_date"])
    new = ZoneAssignment.objects.create(
        zone=old.zone, cadre=to_cadre, start_date=effective_date, created_by=by
    )
    held = list(
        Assignment.objects.select_related("entity__division", "cadre").filter(
            via_zone=old, end_date__isnull=True
        )
    )
    transfer_rows(
        assignments=held,
        to_cadre=to_cadre,
        reason=reason,
        escalation_reason="",
        by=by,
        effective_date=effective_date,
        via_zone=new,
        kind=AdjustmentKind.ZONE_ASSIGN,
    )
    return new


@transaction.atomic
def zone_end(
    *, zone_assignment: ZoneAssignment, reason: str, by, effective_date: datetime.date | None = None
) -> None:
    """End a zone holding; its businesses become coverage gaps until assigned again."""
    reason = require_reason(reason)
    effective_date = resolve_date(effective_date)
    za = (
        ZoneAssignment.objects.select_for_update(of=("self",))
        .select_related("zone__division")
        .get(pk=zone_assignment.pk)
    )
    require_division_in_scope(by, za.zone.division)
    if za.end_date is not None:
        raise ValidationError(_("This zone holding has already ended."), code="ended")
    _zone_dates_ordered(za, effective_date)
    za.end_date = effective_date
    za.save(update_fields=["end_date"])
    held = list(
        Assignment.objects.select_related("via_zone").filter(via_zone=za, end_date__isnull=True)
    )
    end_rows(
        assignments=held,
        kind=AdjustmentKind.ZONE_END,
        reason=reason,
        by=by,
        effective_date=effective_date,
    )


def entity_zone_sync(*, entity: Entity, by, reason: str) -> None:
    """Keep an entity's holding in line with its zone after the zone changed.

    Leaving a held zone ends the holding through it; joining a held zone moves the entity to the
    zone's cadre. Called inside the entity service's transaction.
    """
    today = clock.today()
    current = current_assignment(entity)
    if current and current.via_zone_id and current.via_zone.zone_id != entity.zone_id:
        end_rows(
            assignments=[current],
            kind=AdjustmentKind.ZONE_END,
            reason=reason,
            by=by,
            effective_date=today,
        )
        current = None
    if entity.zone_id is None or entity.status == EntityStatus.CLOSED:
        return
    zone_holding = (
        ZoneAssignment.objects.select_related("cadre__division", "zone")
        .filter(zone_id=entity.zone_id, end_date__isnull=True)
        .first()
    )
    if zone_holding is None or (current and current.via_zone_id == zone_holding.pk):
        return
    if current:
        transfer_rows(
            assignments=[current],
            to_cadre=zone_holding.cadre,
            reason=reason,
            escalation_reason="",
            by=by,
            effective_date=max(today, current.start_date),
            via_zone=zone_holding,
            kind=AdjustmentKind.ZONE_ASSIGN,
        )
    else:
        _zone_hold_unheld(
            zone_assignment=zone_holding,
            entities=[entity],
            reason=reason,
            by=by,
            effective_date=today,
        )
