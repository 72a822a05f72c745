"""Writes for cadres, their aides and holdings. Every change of who holds what writes its
adjustment rows here, in the same transaction as the change itself."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from baobao.models import Level
from baobao.scoping import require_division_in_scope
from baobao.services import clean_reason, require_reason, resolve_date, site_text
from baobao.validators import normalize_phone
from cadres.models import (
    ASSISTANT_LEVELS,
    MAX_ASSISTANTS,
    MAX_LIAISONS,
    Adjustment,
    AdjustmentKind,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from entities.models import Entity, EntityStatus, Zone

CADRE_EDITABLE_FIELDS = ("name", "unit", "post", "phone", "commitment_signed_on")


def level_fit(
    *, cadre: Cadre, entity: Entity, escalation_reason: str = "", through_zone: bool = False
) -> bool:
    """Check that ``cadre`` may hold ``entity``; return True when it is an escalation (提级包保).

    The cadre must be in post, their division must contain the entity's, and their level must be
    at least the one the entity's grade requires; above it needs an escalation reason. Holding a
    business through its zone (分片包保) from above is the zone's arrangement, not an escalation.
    """
    if cadre.status != CadreStatus.ACTIVE:
        raise ValidationError(
            _("%(cadre)s has left their post and cannot take on holdings.") % {"cadre": cadre},
            code="cadre_left",
        )
    if entity.status == EntityStatus.CLOSED:
        raise ValidationError(
            _("%(entity)s is closed and cannot be held.") % {"entity": entity}, code="entity_closed"
        )
    if not cadre.division.contains(entity.division):
        raise ValidationError(
            _("%(cadre)s (%(division)s) cannot hold %(entity)s: it lies outside their area.")
            % {"cadre": cadre, "division": cadre.division, "entity": entity},
            code="outside_area",
        )
    required = entity.required_level
    if cadre.level > required:
        raise ValidationError(
            _(
                "A grade %(grade)s business must be held by a cadre of %(required)s level or above; "
                "%(cadre)s is a %(level)s-level cadre."
            )
            % {
                "grade": entity.grade,
                "required": required.label,
                "cadre": cadre,
                "level": cadre.level.label,
            },
            code="level_too_low",
        )
    escalated = cadre.level < required and not through_zone
    if escalated and not escalation_reason.strip():
        raise ValidationError(
            _(
                "%(cadre)s is above the level a grade %(grade)s business requires: this is an "
                "escalation (提级包保) and needs a reason."
            )
            % {"cadre": cadre, "grade": entity.grade},
            code="escalation_reason_required",
        )
    return escalated


def _zone_fit(*, cadre: Cadre, zone: Zone) -> None:
    """Check that ``cadre`` may hold ``zone``: in post, and covering all of the zone's area.

    Checked for the zone itself, not only for the businesses in it now: an empty zone must not
    go to a cadre who could not hold the businesses that join it later.
    """
    if cadre.status != CadreStatus.ACTIVE:
        raise ValidationError(
            _("%(cadre)s has left their post and cannot take on holdings.") % {"cadre": cadre},
            code="cadre_left",
        )
    if not cadre.division.contains(zone.division):
        raise ValidationError(
            _("%(cadre)s (%(division)s) cannot hold %(zone)s: it lies outside their area.")
            % {"cadre": cadre, "division": cadre.division, "zone": zone},
            code="outside_area",
        )


def _adjustments(rows: Iterable[Adjustment]) -> list[Adjustment]:
    return Adjustment.objects.bulk_create(list(rows))


def _lock_entity(entity: Entity) -> Entity:
    return (
        Entity.objects.select_for_update(of=("self",))
        .select_related("division", "zone")
        .get(pk=entity.pk)
    )


def _lock_cadre(cadre: Cadre) -> Cadre:
    return Cadre.objects.select_for_update(of=("self",)).select_related("division").get(pk=cadre.pk)


def _current_assignment(entity: Entity) -> Assignment | None:
    return (
        Assignment.objects.select_related("cadre__division", "via_zone")
        .filter(entity=entity, end_date__isnull=True)
        .first()
    )


def _create_assignment(**fields) -> Assignment:
    try:
        with transaction.atomic():
            return Assignment.objects.create(**fields)
    except IntegrityError as exc:
        raise ValidationError(
            _("This business already has a cadre holding it; transfer it instead."),
            code="already_held",
        ) from exc


@transaction.atomic
def assignment_create(
    *,
    entity: Entity,
    cadre: Cadre,
    by,
    reason: str = "",
    escalation_reason: str = "",
    start_date: datetime.date | None = None,
) -> Assignment:
    """Assign an unheld entity to a cadre (新增包保), escalated when the cadre is above its level."""
    reason, escalation_reason = clean_reason(reason), clean_reason(escalation_reason)
    start_date = resolve_date(start_date)
    entity = _lock_entity(entity)
    cadre = _lock_cadre(cadre)
    require_division_in_scope(by, entity.division)
    if _current_assignment(entity):
        raise ValidationError(
            _("%(entity)s already has a cadre holding it; transfer it instead.")
            % {"entity": entity},
            code="already_held",
        )
    if (
        entity.zone_id
        and ZoneAssignment.objects.filter(zone_id=entity.zone_id, end_date__isnull=True).exists()
    ):
        raise ValidationError(
            _("%(entity)s is held through its zone %(zone)s; change the zone's holder instead.")
            % {"entity": entity, "zone": entity.zone},
            code="held_by_zone",
        )
    escalated = level_fit(cadre=cadre, entity=entity, escalation_reason=escalation_reason)
    assignment = _create_assignment(
        entity=entity,
        cadre=cadre,
        start_date=start_date,
        escalated=escalated,
        escalation_reason=escalation_reason.strip() if escalated else "",
        created_by=by,
    )
    _adjustments(
        [
            Adjustment(
                kind=AdjustmentKind.ESCALATE if escalated else AdjustmentKind.ASSIGN,
                entity=entity,
                to_cadre=cadre,
                reason=(escalation_reason if escalated else reason).strip()
                or site_text(gettext_lazy("New holding")),
                effective_date=start_date,
                created_by=by,
            )
        ]
    )
    return assignment


def _transfer_rows(
    *,
    assignments: list[Assignment],
    to_cadre: Cadre,
    reason: str,
    escalation_reason: str,
    by,
    effective_date: datetime.date,
    via_zone: ZoneAssignment | None = None,
    kind: str | None = None,
) -> list[Assignment]:
    """End ``assignments`` and open one for ``to_cadre`` per entity, with adjustment rows."""
    new_rows, ledger = [], []
    for old in assignments:
        if effective_date < old.start_date:
            raise ValidationError(
                _("The effective date is before %(entity)s's current holding began (%(start)s).")
                % {"entity": old.entity, "start": old.start_date},
                code="date_before_start",
            )
        escalated = level_fit(
            cadre=to_cadre,
            entity=old.entity,
            escalation_reason=escalation_reason,
            through_zone=via_zone is not None,
        )
        new_rows.append(
            Assignment(
                entity=old.entity,
                cadre=to_cadre,
                start_date=effective_date,
                via_zone=via_zone,
                escalated=escalated,
                escalation_reason=escalation_reason.strip() if escalated else "",
                created_by=by,
            )
        )
        ledger.append(
            Adjustment(
                kind=kind or (AdjustmentKind.ESCALATE if escalated else AdjustmentKind.TRANSFER),
                entity=old.entity,
                from_cadre=old.cadre,
                to_cadre=to_cadre,
                zone=via_zone.zone if via_zone else None,
                reason=reason,
                effective_date=effective_date,
                created_by=by,
            )
        )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(end_date=effective_date)
    created = Assignment.objects.bulk_create(new_rows)
    _adjustments(ledger)
    return created


@transaction.atomic
def assignment_transfer(
    *,
    assignment: Assignment,
    to_cadre: Cadre,
    reason: str,
    by,
    escalation_reason: str = "",
    effective_date: datetime.date | None = None,
) -> Assignment:
    """Move a holding to another cadre (调整包保干部): the old one ends the day the new one starts."""
    return assignments_transfer_bulk(
        assignments=[assignment],
        to_cadre=to_cadre,
        reason=reason,
        by=by,
        escalation_reason=escalation_reason,
        effective_date=effective_date,
    )[0]


@transaction.atomic
def assignment_escalate(
    *,
    assignment: Assignment,
    to_cadre: Cadre,
    reason: str,
    by,
    effective_date: datetime.date | None = None,
) -> Assignment:
    """Move a holding up to a cadre above the grade's level (提级包保); ``reason`` says why."""
    to_cadre = Cadre.objects.select_related("division").get(pk=to_cadre.pk)
    entity = Entity.objects.get(pk=assignment.entity_id)
    if to_cadre.level >= entity.required_level:
        raise ValidationError(
            _("An escalation needs a cadre above %(level)s level.")
            % {"level": entity.required_level.label},
            code="not_an_escalation",
        )
    return assignment_transfer(
        assignment=assignment,
        to_cadre=to_cadre,
        reason=reason,
        escalation_reason=reason,
        by=by,
        effective_date=effective_date,
    )


@transaction.atomic
def assignments_transfer_bulk(
    *,
    assignments: Iterable[Assignment],
    to_cadre: Cadre,
    reason: str,
    by,
    escalation_reason: str = "",
    effective_date: datetime.date | None = None,
) -> list[Assignment]:
    """Transfer many holdings to one cadre at once (批量调整); all or none."""
    reason = require_reason(reason)
    escalation_reason = clean_reason(escalation_reason)
    effective_date = resolve_date(effective_date)
    to_cadre = _lock_cadre(to_cadre)
    ids = [a.pk for a in assignments]
    current = list(
        Assignment.objects.select_for_update(of=("self",))
        .select_related("entity__division", "cadre")
        .filter(pk__in=ids, end_date__isnull=True)
        .order_by("pk")
    )
    if len(current) != len(set(ids)):
        raise ValidationError(
            _("Some of these holdings have already ended; reload the page and try again."),
            code="stale",
        )
    for old in current:
        require_division_in_scope(by, old.entity.division)
        if old.via_zone_id:
            raise ValidationError(
                _("%(entity)s is held through a zone; change the zone's holder instead.")
                % {"entity": old.entity},
                code="held_by_zone",
            )
        if old.cadre_id == to_cadre.pk:
            raise ValidationError(
                _("%(cadre)s already holds %(entity)s.")
                % {"cadre": to_cadre, "entity": old.entity},
                code="same_cadre",
            )
    return _transfer_rows(
        assignments=current,
        to_cadre=to_cadre,
        reason=reason,
        escalation_reason=escalation_reason,
        by=by,
        effective_date=effective_date,
    )


def _end_rows(
    *, assignments: list[Assignment], kind: str, reason: str, by, effective_date: datetime.date
) -> None:
    for a in assignments:
        if effective_date < a.start_date:
            raise ValidationError(
                _("The effective date is before %(entity)s's current holding began (%(start)s).")
                % {"entity": a.entity, "start": a.start_date},
                code="date_before_start",
            )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(end_date=effective_date)
    _adjustments(
        Adjustment(
            kind=kind,
            entity_id=a.entity_id,
            from_cadre_id=a.cadre_id,
            zone_id=a.via_zone.zone_id if a.via_zone_id else None,
            reason=reason,
            effective_date=effective_date,
            created_by=by,
        )
        for a in assignments
    )


@transaction.atomic
def assignment_end(
    *, assignment: Assignment, reason: str, by, effective_date: datetime.date | None = None
) -> None:
    """End a holding (解除包保); the entity becomes a coverage gap until it is assigned again."""
    reason = require_reason(reason)
    effective_date = resolve_date(effective_date)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("entity__division", "via_zone")
        .get(pk=assignment.pk)
    )
    require_division_in_scope(by, assignment.entity.division)
    if assignment.end_date is not None:
        raise ValidationError(_("This holding has already ended."), code="ended")
    if assignment.via_zone_id:
        raise ValidationError(
            _("This business is held through a zone; end the zone's holding instead."),
            code="held_by_zone",
        )
    if effective_date < assignment.start_date:
        raise ValidationError(_("A holding cannot end before it began."), code="date_before_start")
    _end_rows(
        assignments=[assignment],
        kind=AdjustmentKind.END,
        reason=reason,
        by=by,
        effective_date=effective_date,
    )


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
    cadre = _lock_cadre(cadre)
    require_division_in_scope(by, zone.division)
    if ZoneAssignment.objects.filter(zone=zone, end_date__isnull=True).exists():
        raise ValidationError(
            _("%(zone)s already has a cadre; transfer the zone instead.") % {"zone": zone},
            code="zone_held",
        )
    _zone_fit(cadre=cadre, zone=zone)
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
    _transfer_rows(
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
    _adjustments(ledger)


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
    to_cadre = _lock_cadre(to_cadre)
    require_division_in_scope(by, old.zone.division)
    if old.end_date is not None:
        raise ValidationError(_("This zone holding has already ended."), code="ended")
    _zone_fit(cadre=to_cadre, zone=old.zone)
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
    _transfer_rows(
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
    _end_rows(
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
    today = timezone.localdate()
    current = _current_assignment(entity)
    if current and current.via_zone_id and current.via_zone.zone_id != entity.zone_id:
        _end_rows(
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
        _transfer_rows(
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


def _validate_aides(*, level: Level, assistants: int, liaisons: int) -> None:
    if assistants > MAX_ASSISTANTS:
        raise ValidationError(
            _("A cadre has at most %(n)d assistants (协保员).") % {"n": MAX_ASSISTANTS},
            code="too_many_assistants",
        )
    if liaisons > MAX_LIAISONS:
        raise ValidationError(
            _("A cadre has at most %(n)d liaison (联络员).") % {"n": MAX_LIAISONS},
            code="too_many_liaisons",
        )
    if level in ASSISTANT_LEVELS and assistants < 1:
        raise ValidationError(
            _("A %(level)s-level cadre needs 1 or 2 assistants (协保员).") % {"level": level.label},
            code="assistant_required",
        )


def _new_aide(cadre: Cadre, kind: str, data: Mapping) -> CadreAide:
    data = {**data, "phone": normalize_phone(data.get("phone", ""))}
    aide = CadreAide(cadre=cadre, kind=kind, **data)
    aide.full_clean()
    aide.save()
    return aide


@transaction.atomic
def cadre_create(
    *,
    by,
    name: str,
    division,
    phone: str,
    unit: str = "",
    post: str = "",
    commitment_signed_on: datetime.date | None = None,
    commitment_scan=None,
    assistants: Iterable[Mapping] = (),
    liaison: Mapping | None = None,
) -> Cadre:
    """Register a cadre with their 协保员 (required for city and county cadres) and 联络员."""
    require_division_in_scope(by, division)
    assistants = list(assistants)
    _validate_aides(
        level=Level(division.level), assistants=len(assistants), liaisons=1 if liaison else 0
    )
    cadre = Cadre(
        name=name,
        division=division,
        phone=normalize_phone(phone),
        unit=unit,
        post=post,
        commitment_signed_on=commitment_signed_on,
    )
    if commitment_scan is not None:
        # Checked by content in full_clean (the field's validator).
        cadre.commitment_scan = commitment_scan
    cadre.full_clean()
    cadre.save()
    for data in assistants:
        _new_aide(cadre, AideKind.ASSISTANT, data)
    if liaison:
        _new_aide(cadre, AideKind.LIAISON, liaison)
    return cadre


@transaction.atomic
def cadre_update(*, cadre: Cadre, by, division=None, commitment_scan=None, **fields) -> Cadre:
    """Change a cadre's details. A cadre who holds businesses keeps their division."""
    cadre = _lock_cadre(cadre)
    require_division_in_scope(by, cadre.division)
    unknown = set(fields) - set(CADRE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"cadre_update() cannot change {sorted(unknown)}")
    if division is not None and division.pk != cadre.division_id:
        require_division_in_scope(by, division)
        if cadre.assignments.filter(end_date__isnull=True).exists():
            raise ValidationError(
                _(
                    "%(cadre)s still holds businesses; transfer them before moving the cadre to another area."
                )
                % {"cadre": cadre},
                code="holds_entities",
            )
        active_assistants = cadre.aides.filter(kind=AideKind.ASSISTANT, is_active=True).count()
        _validate_aides(level=Level(division.level), assistants=active_assistants, liaisons=0)
        cadre.division = division
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    for field, value in fields.items():
        setattr(cadre, field, value)
    if commitment_scan is not None:
        # Checked by content in full_clean (the field's validator).
        cadre.commitment_scan = commitment_scan
    cadre.full_clean()
    cadre.save()
    return cadre


@transaction.atomic
def aide_add(
    *, cadre: Cadre, kind: str, by, name: str, phone: str, unit: str = "", post: str = ""
) -> CadreAide:
    """Give a cadre a 协保员 (at most two) or a 联络员 (at most one)."""
    cadre = _lock_cadre(cadre)
    require_division_in_scope(by, cadre.division)
    active = cadre.aides.filter(is_active=True)
    assistants = active.filter(kind=AideKind.ASSISTANT).count() + (kind == AideKind.ASSISTANT)
    liaisons = active.filter(kind=AideKind.LIAISON).count() + (kind == AideKind.LIAISON)
    _validate_aides(level=cadre.level, assistants=assistants, liaisons=liaisons)
    return _new_aide(cadre, kind, {"name": name, "phone": phone, "unit": unit, "post": post})


@transaction.atomic
def aide_remove(*, aide: CadreAide, by) -> None:
    """Stop an aide's service (kept on record, login disabled); a city or county cadre keeps one 协保员."""
    aide = (
        CadreAide.objects.select_for_update(of=("self",))
        .select_related("cadre__division")
        .get(pk=aide.pk)
    )
    require_division_in_scope(by, aide.cadre.division)
    if not aide.is_active:
        return
    remaining = (
        aide.cadre.aides.filter(kind=AideKind.ASSISTANT, is_active=True).exclude(pk=aide.pk).count()
    )
    if aide.kind == AideKind.ASSISTANT:
        _validate_aides(level=aide.cadre.level, assistants=remaining, liaisons=0)
    aide.is_active = False
    aide.save(update_fields=["is_active"])
    if hasattr(aide, "user"):
        aide.user.is_active = False
        aide.user.save(update_fields=["is_active"])


@transaction.atomic
def cadre_leave(
    *,
    cadre: Cadre,
    reason: str,
    by,
    left_on: datetime.date | None = None,
    successor: Cadre | None = None,
    successors: Mapping[int, Cadre] | None = None,
    escalation_reason: str = "",
) -> list[Assignment]:
    """A cadre leaves their post (离岗). Each holding gets a ``cadre_left`` row; holdings given a
    successor (``successor`` for all, or ``successors`` by entity id) move on at once, the rest stay
    listed as coverage gaps until re-assigned. A successor above a business's level needs
    ``escalation_reason``. Returns the holdings still left behind.
    """
    reason = require_reason(reason)
    left_on = resolve_date(left_on)
    cadre = _lock_cadre(cadre)
    require_division_in_scope(by, cadre.division)
    if cadre.status == CadreStatus.LEFT:
        raise ValidationError(
            _("%(cadre)s has already left.") % {"cadre": cadre}, code="already_left"
        )
    cadre.status = CadreStatus.LEFT
    cadre.left_on = left_on
    cadre.left_reason = reason
    cadre.save(update_fields=["status", "left_on", "left_reason", "updated_at"])
    if hasattr(cadre, "user"):
        cadre.user.is_active = False
        cadre.user.save(update_fields=["is_active"])

    holdings = list(
        Assignment.objects.select_related("entity__division", "via_zone").filter(
            cadre=cadre, end_date__isnull=True
        )
    )
    _adjustments(
        Adjustment(
            kind=AdjustmentKind.CADRE_LEFT,
            entity_id=a.entity_id,
            from_cadre=cadre,
            reason=reason,
            effective_date=left_on,
            created_by=by,
        )
        for a in holdings
    )
    plan: dict[int, Cadre] = {}
    if successor is not None:
        plan = {a.entity_id: successor for a in holdings}
    if successors:
        plan.update(successors)
    return cadre_holdings_reassign(
        cadre=cadre,
        plan=plan,
        reason=reason,
        by=by,
        effective_date=left_on,
        escalation_reason=escalation_reason,
    )


@transaction.atomic
def cadre_holdings_reassign(
    *,
    cadre: Cadre,
    plan: Mapping[int, Cadre],
    reason: str,
    by,
    effective_date: datetime.date | None = None,
    escalation_reason: str = "",
) -> list[Assignment]:
    """Re-assign a cadre's holdings by entity id to successors; zones move whole. Returns what is left."""
    effective_date = resolve_date(effective_date)
    holdings = list(
        Assignment.objects.select_related("entity__division", "via_zone__zone").filter(
            cadre=cadre, end_date__isnull=True
        )
    )
    by_zone: dict[int, Cadre] = {}
    direct: dict[int, list[Assignment]] = {}
    for a in holdings:
        target = plan.get(a.entity_id)
        if target is None:
            continue
        if a.via_zone_id:
            if by_zone.setdefault(a.via_zone_id, target).pk != target.pk:
                raise ValidationError(
                    _("A zone moves whole: give all of %(zone)s's businesses the same successor.")
                    % {"zone": a.via_zone.zone},
                    code="zone_split",
                )
        else:
            direct.setdefault(target.pk, []).append(a)
    targets = {c.pk: c for c in plan.values()}
    for cadre_id, moving in direct.items():
        assignments_transfer_bulk(
            assignments=moving,
            to_cadre=targets[cadre_id],
            reason=reason,
            by=by,
            escalation_reason=escalation_reason,
            effective_date=effective_date,
        )
    for za_id, target in by_zone.items():
        zone_transfer(
            zone_assignment=ZoneAssignment(pk=za_id),
            to_cadre=target,
            reason=reason,
            by=by,
            effective_date=effective_date,
        )
    return list(
        Assignment.objects.filter(cadre=cadre, end_date__isnull=True).select_related("entity")
    )


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
    for start in range(0, len(creates), batch_size):
        chunk = creates[start : start + batch_size]
        for row in chunk:
            require_division_in_scope(by, row["division"])
        cadres = [Cadre(**{k: v for k, v in row.items() if k != "aides"}) for row in chunk]
        # PostgreSQL and SQLite both return the new ids (RETURNING).
        cadres = bulk_create_with_history(cadres, Cadre, batch_size=batch_size, default_user=by)
        for cadre, row in zip(cadres, chunk, strict=True):
            new_aides += [CadreAide(cadre_id=cadre.pk, **aide) for aide in row["aides"]]
    now = timezone.now()
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
    for start in range(0, len(entity_ids), batch_size):
        for a in Assignment.objects.select_for_update(of=("self",)).filter(
            entity_id__in=entity_ids[start : start + batch_size], end_date__isnull=True
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
        for start in range(0, len(ids), batch_size):
            Assignment.objects.filter(pk__in=ids[start : start + batch_size]).update(end_date=day)
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
