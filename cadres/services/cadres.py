"""Cadres and their 协保员/联络员: register, update, a cadre leaving and their holdings passed on."""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baobao.models import Level
from baobao.scoping import require_division_in_scope
from baobao.services import require_reason, resolve_date
from baobao.validators import normalize_phone
from cadres.loads import cadre_loads_recount
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
from cadres.services.assignments import assignments_transfer_bulk
from cadres.services.common import CADRE_EDITABLE_FIELDS, adjustments_add, lock_cadre
from cadres.services.zones import zone_transfer
from cadres.tallies import holdings_recount


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
    cadre_loads_recount(cadre_ids=[cadre.pk])
    return cadre


@transaction.atomic
def cadre_update(*, cadre: Cadre, by, division=None, commitment_scan=None, **fields) -> Cadre:
    """Change a cadre's details. A cadre who holds businesses keeps their division."""
    cadre = lock_cadre(cadre)
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
    cadre_loads_recount(cadre_ids=[cadre.pk])
    return cadre


@transaction.atomic
def aide_add(
    *, cadre: Cadre, kind: str, by, name: str, phone: str, unit: str = "", post: str = ""
) -> CadreAide:
    """Give a cadre a 协保员 (at most two) or a 联络员 (at most one)."""
    cadre = lock_cadre(cadre)
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
    cadre = lock_cadre(cadre)
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
    adjustments_add(
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
    holdings_recount(entity_ids=[a.entity_id for a in holdings])
    cadre_loads_recount(cadre_ids=[cadre.pk])
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
