"""One business and its cadre: assign, transfer, escalate, end, and moves of several at once."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.scoping import require_division_in_scope
from baobao.services import clean_reason, require_reason, resolve_date, site_text
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    Assignment,
    Cadre,
    ZoneAssignment,
)
from cadres.services.common import (
    adjustments_add,
    create_assignment,
    current_assignment,
    level_fit,
    lock_cadre,
    lock_entity,
)
from cadres.tallies import holdings_recount
from entities.models import Entity


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
    entity = lock_entity(entity)
    cadre = lock_cadre(cadre)
    require_division_in_scope(by, entity.division)
    if current_assignment(entity):
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
    assignment = create_assignment(
        entity=entity,
        cadre=cadre,
        start_date=start_date,
        escalated=escalated,
        escalation_reason=escalation_reason.strip() if escalated else "",
        created_by=by,
    )
    adjustments_add(
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


def transfer_rows(
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
    adjustments_add(ledger)
    holdings_recount(entity_ids=[a.entity_id for a in assignments])
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
    to_cadre = lock_cadre(to_cadre)
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
    return transfer_rows(
        assignments=current,
        to_cadre=to_cadre,
        reason=reason,
        escalation_reason=escalation_reason,
        by=by,
        effective_date=effective_date,
    )


def end_rows(
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
    adjustments_add(
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
    holdings_recount(entity_ids=[a.entity_id for a in assignments])


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
    end_rows(
        assignments=[assignment],
        kind=AdjustmentKind.END,
        reason=reason,
        by=by,
        effective_date=effective_date,
    )
