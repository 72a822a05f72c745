"""Rules and small steps the holding services share: the level rule, row locks, the current holding."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cadres.models import (
    Adjustment,
    Assignment,
    Cadre,
    CadreStatus,
)
from cadres.tallies import holdings_recount
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


def zone_fit(*, cadre: Cadre, zone: Zone) -> None:
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


def adjustments_add(rows: Iterable[Adjustment]) -> list[Adjustment]:
    return Adjustment.objects.bulk_create(list(rows))


def lock_entity(entity: Entity) -> Entity:
    return (
        Entity.objects.select_for_update(of=("self",))
        .select_related("division", "zone")
        .get(pk=entity.pk)
    )


def lock_cadre(cadre: Cadre) -> Cadre:
    return Cadre.objects.select_for_update(of=("self",)).select_related("division").get(pk=cadre.pk)


def current_assignment(entity: Entity) -> Assignment | None:
    return (
        Assignment.objects.select_related("cadre__division", "via_zone")
        .filter(entity=entity, end_date__isnull=True)
        .first()
    )


def create_assignment(**fields) -> Assignment:
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(**fields)
    except IntegrityError as exc:
        raise ValidationError(
            _("This business already has a cadre holding it; transfer it instead."),
            code="already_held",
        ) from exc
    holdings_recount(entity_ids=[assignment.entity_id])
    return assignment
