"""Writes for food businesses and zones. Grade and status are changed only by their own services,
which write the grade history and the adjustment ledger in the same transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from baobao import clock
from baobao.batches import batched
from baobao.scoping import require_division_in_scope
from baobao.services import clean_reason, require_reason, resolve_date, site_text
from entities.changes import entities_changed, entity_state, holding_rules
from entities.models import Entity, EntityStatus, Grade, GradeChange, Zone
from entities.tallies import key_of, tallies_add, tally_moves

ENTITY_EDITABLE_FIELDS = (
    "name",
    "uscc",
    "licence_no",
    "business_type",
    "address",
    "director_name",
    "director_phone",
    "officer_name",
    "officer_phone",
    "contact_phone",
)


def _check_zone(zone: Zone | None, division) -> None:
    if zone is not None and not zone.division.contains(division):
        raise ValidationError(
            {"zone": _("The zone %(zone)s is not in this business's area.") % {"zone": zone}}
        )


@transaction.atomic
def entity_create(
    *,
    by,
    name: str,
    business_type: str,
    grade: str,
    division,
    zone: Zone | None = None,
    grade_reason: str = "",
    **fields,
) -> Entity:
    """Register a food business and its first grading."""
    require_division_in_scope(by, division)
    unknown = set(fields) - set(ENTITY_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"entity_create() got unknown fields {sorted(unknown)}")
    grade_reason = clean_reason(grade_reason)
    entity = Entity(
        name=name, business_type=business_type, grade=grade, division=division, zone=zone, **fields
    )
    _check_zone(zone, division)
    entity.full_clean()
    entity.save()
    tallies_add(tally_moves([], [key_of(entity)]))
    entities_changed([(entity.pk, None, entity_state(entity))])
    GradeChange.objects.create(
        entity=entity,
        new_grade=grade,
        reason=grade_reason or site_text(gettext_lazy("Initial grading")),
        effective_date=clock.today(),
        changed_by=by,
    )
    holding_rules().created(entity=entity, by=by, today=clock.today())
    return entity


@transaction.atomic
def entity_update(*, entity: Entity, by, division=None, zone=..., **fields) -> Entity:
    """Change a business's details; grade and status have their own services.

    Moving it to a division its holder does not cover is refused; joining or leaving a held zone
    moves its holding with it.
    """
    entity = (
        Entity.objects.select_for_update(of=("self",))
        .select_related("division", "zone")
        .get(pk=entity.pk)
    )
    require_division_in_scope(by, entity.division)
    unknown = set(fields) - set(ENTITY_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"entity_update() cannot change {sorted(unknown)}")
    before, state = key_of(entity), entity_state(entity)
    if division is not None and division.pk != entity.division_id:
        require_division_in_scope(by, division)
        holding_rules().check_move(entity=entity, division=division)
        entity.division = division
    old_zone_id = entity.zone_id
    if zone is not ...:
        entity.zone = zone
    _check_zone(entity.zone, entity.division)
    for field, value in fields.items():
        setattr(entity, field, value)
    entity.full_clean()
    entity.save()
    tallies_add(tally_moves([before], [key_of(entity)]))
    entities_changed([(entity.pk, state, entity_state(entity))])
    if entity.division_id != before[0]:
        holding_rules().moved(entity=entity)
    if entity.zone_id != old_zone_id:
        holding_rules().zone_changed(
            entity=entity, by=by, reason=site_text(gettext_lazy("Zone changed"))
        )
    return entity


@transaction.atomic
def entity_regrade(
    *, entity: Entity, new_grade: str, reason: str, by, effective_date: datetime.date | None = None
) -> GradeChange:
    """Change a business's grade (分级调整), with its reason, in the grade history and the ledger.

    A holder now above the grade's level keeps it as an escalation; a holder now below it stays
    until re-assigned and is listed as breaking the level rule.
    """
    reason = require_reason(reason)
    effective_date = resolve_date(effective_date)
    entity = (
        Entity.objects.select_for_update(of=("self",)).select_related("division").get(pk=entity.pk)
    )
    require_division_in_scope(by, entity.division)
    if new_grade not in Grade.values:
        raise ValidationError(_("Choose grade A, B, C or D."), code="invalid_grade")
    new_grade = Grade(new_grade)
    if entity.status == EntityStatus.CLOSED:
        raise ValidationError(
            _("%(entity)s is closed; reopen it before regrading.") % {"entity": entity},
            code="entity_closed",
        )
    if new_grade == entity.grade:
        raise ValidationError(
            _("%(entity)s is already grade %(grade)s.") % {"entity": entity, "grade": new_grade},
            code="same_grade",
        )
    old_grade, before, state = entity.grade, key_of(entity), entity_state(entity)
    entity.grade = new_grade
    entity.save(update_fields=["grade", "updated_at"])
    tallies_add(tally_moves([before], [key_of(entity)]))
    entities_changed([(entity.pk, state, entity_state(entity))])
    change = GradeChange.objects.create(
        entity=entity,
        old_grade=old_grade,
        new_grade=new_grade,
        reason=reason,
        effective_date=effective_date,
        changed_by=by,
    )
    holding_rules().regraded(
        entity=entity,
        old_grade=old_grade,
        new_grade=new_grade,
        reason=reason,
        effective_date=effective_date,
        by=by,
        today=clock.today(),
    )
    return change


@transaction.atomic
def entity_change_status(
    *, entity: Entity, status: str, reason: str, by, effective_date: datetime.date | None = None
) -> Entity:
    """Suspend, resume or close a business. Closing ends its holding; every change is in the ledger."""
    reason = require_reason(reason)
    effective_date = resolve_date(effective_date)
    entity = (
        Entity.objects.select_for_update(of=("self",)).select_related("division").get(pk=entity.pk)
    )
    require_division_in_scope(by, entity.division)
    if status not in EntityStatus.values:
        raise ValidationError(_("Unknown business status."), code="invalid_status")
    status = EntityStatus(status)
    if status == entity.status:
        raise ValidationError(
            _("%(entity)s is already %(status)s.") % {"entity": entity, "status": status.label},
            code="same_status",
        )
    closing, before, state = status == EntityStatus.CLOSED, key_of(entity), entity_state(entity)
    entity.status = status
    entity.save(update_fields=["status", "updated_at"])
    tallies_add(tally_moves([before], [key_of(entity)]))
    entities_changed([(entity.pk, state, entity_state(entity))])
    holding_rules().status_changed(
        entity=entity,
        closing=closing,
        label=site_text(status.label),
        reason=reason,
        effective_date=effective_date,
        by=by,
    )
    return entity


def entity_close(
    *, entity: Entity, reason: str, by, effective_date: datetime.date | None = None
) -> Entity:
    """Close a business (注销/关停): its holding ends and it leaves the coverage count."""
    return entity_change_status(
        entity=entity,
        status=EntityStatus.CLOSED,
        reason=reason,
        by=by,
        effective_date=effective_date,
    )


@transaction.atomic
def zone_create(*, by, name: str, division, kind: str, description: str = "") -> Zone:
    """Create a zone (片区) for 分片包保."""
    require_division_in_scope(by, division)
    zone = Zone(name=name, division=division, kind=kind, description=description)
    zone.full_clean()
    zone.save()
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, by, **fields) -> Zone:
    """Rename or describe a zone; its area is fixed once created."""
    zone = Zone.objects.select_for_update(of=("self",)).select_related("division").get(pk=zone.pk)
    require_division_in_scope(by, zone.division)
    unknown = set(fields) - {"name", "kind", "description"}
    if unknown:
        raise TypeError(f"zone_update() cannot change {sorted(unknown)}")
    for field, value in fields.items():
        setattr(zone, field, value)
    zone.full_clean()
    zone.save()
    return zone


@transaction.atomic
def entities_create_bulk(*, rows: list[dict], by, reason: str, batch_size: int = 2000) -> int:
    """Register many businesses at once (a spreadsheet import), each with its first grading and
    its history row. ``rows`` are checked beforehand (fields, scope, keys); the database's
    constraints still guard the keys. Returns how many were created."""

    if not rows:
        return 0
    for row in rows:
        require_division_in_scope(by, row["division"])
    today = clock.today()
    created = 0
    for batch in batched(rows, batch_size):
        chunk = [Entity(**row, division_path=row["division"].path) for row in batch]
        # PostgreSQL and SQLite both return the new ids (RETURNING).
        entities = bulk_create_with_history(chunk, Entity, batch_size=batch_size, default_user=by)
        tallies_add(tally_moves([], [key_of(entity) for entity in entities]))
        entities_changed([(entity.pk, None, entity_state(entity)) for entity in entities])
        GradeChange.objects.bulk_create(
            [
                GradeChange(
                    entity=entity,
                    new_grade=entity.grade,
                    reason=reason,
                    effective_date=today,
                    changed_by=by,
                )
                for entity in entities
            ],
            batch_size=batch_size,
        )
        created += len(entities)
    return created


@transaction.atomic
def entities_update_bulk(*, changes: list[tuple[Entity, dict]], by, batch_size: int = 2000) -> int:
    """Change the plain details (``ENTITY_EDITABLE_FIELDS``) of many businesses at once, with
    their history rows; grade, status and division keep their own services."""

    if not changes:
        return 0
    fields = sorted({f for _entity, values in changes for f in values})
    unknown = set(fields) - set(ENTITY_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"entities_update_bulk() cannot change {sorted(unknown)}")
    entities, states, now = [], [], clock.now()
    for entity, values in changes:
        require_division_in_scope(by, entity.division)
        states.append(entity_state(entity))
        for name, value in values.items():
            setattr(entity, name, value)
        entity.updated_at = now
        entities.append(entity)
    bulk_update_with_history(
        entities, Entity, [*fields, "updated_at"], batch_size=batch_size, default_user=by
    )
    entities_changed(
        [(e.pk, state, entity_state(e)) for e, state in zip(entities, states, strict=True)]
    )
    return len(entities)
