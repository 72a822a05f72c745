"""The dry run of a holdings sheet: each row gives a business to a cadre (包保关系)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from baobao import clock
from baobao.batches import batched
from baobao.validators import normalize_phone
from cadres.models import Assignment, Cadre, ZoneAssignment
from cadres.services import level_fit
from entities.models import Entity
from ledgers.imports.rows import RowPlan, check_date, refusal_text
from ledgers.imports.sheet import CHUNK, HOLDING_FIELDS, Action


def plan_holdings(rows, user, progress) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=HOLDING_FIELDS) for n, v in rows]
    keys = {p.values.get("entity", "").strip().upper() for p in plans} - {""}
    phones = {normalize_phone(p.values.get("cadre_phone", "")) for p in plans} - {""}
    entities = {}
    in_scope = Entity.objects.for_user(user).select_related("division", "zone")
    for chunk in batched(sorted(keys), CHUNK):
        for e in in_scope.filter(uscc__in=chunk):
            entities[e.uscc] = e
        for e in in_scope.filter(licence_no__in=chunk):
            entities.setdefault(e.licence_no, e)
    cadres = {}
    for chunk in batched(sorted(phones), CHUNK):
        cadres.update(
            {
                c.phone: c
                for c in Cadre.objects.for_user(user)
                .select_related("division")
                .filter(phone__in=chunk)
            }
        )
    current = {}
    entity_ids = [e.pk for e in entities.values()]
    for chunk in batched(entity_ids, CHUNK):
        for a in Assignment.objects.filter(
            entity_id__in=chunk, end_date__isnull=True
        ).select_related("cadre"):
            current[a.entity_id] = a

    held_zones = set()
    zone_ids = sorted({e.zone_id for e in entities.values() if e.zone_id})
    for chunk in batched(zone_ids, CHUNK):
        held_zones |= set(
            ZoneAssignment.objects.filter(zone_id__in=chunk, end_date__isnull=True).values_list(
                "zone_id", flat=True
            )
        )

    seen = {}
    for index, plan in enumerate(plans, 1):
        progress(index)
        v = plan.values
        key = v.get("entity", "").strip().upper()
        plan.key = key
        entity = entities.get(key)
        if entity is None:
            plan.refuse("entity", _("No business with this code or licence number in your area."))
        else:
            plan.name = entity.name
            if entity.pk in seen:
                plan.refuse(
                    "entity",
                    _("Same business as row %(row)d of this file.") % {"row": seen[entity.pk]},
                )
            else:
                seen[entity.pk] = plan.row
        phone = normalize_phone(v.get("cadre_phone", ""))
        cadre = cadres.get(phone)
        if cadre is None:
            plan.refuse("cadre_phone", _("No cadre with this mobile phone in your area."))
        start = check_date(plan, "start_date") or clock.today()
        escalation_reason = v.get("escalation_reason", "").strip()[:255]
        if plan.action == Action.REFUSED:
            continue
        holding = current.get(entity.pk)
        if holding is not None and holding.cadre_id == cadre.pk:
            plan.action = Action.UNCHANGED
            continue
        if (holding is not None and holding.via_zone_id) or entity.zone_id in held_zones:
            plan.refuse(
                "entity",
                _("%(entity)s is held through its zone; change the zone's holder instead.")
                % {"entity": entity},
            )
            continue
        try:
            escalated = level_fit(cadre=cadre, entity=entity, escalation_reason=escalation_reason)
        except ValidationError as exc:
            column = (
                "escalation_reason" if exc.code == "escalation_reason_required" else "cadre_phone"
            )
            plan.refuse(column, refusal_text(exc))
            continue
        if holding is not None and start < holding.start_date:
            plan.refuse(
                "start_date",
                _("The start date is before the current holding began (%(start)s).")
                % {"start": holding.start_date},
            )
            continue
        plan.extra = {
            "entity": entity,
            "cadre": cadre,
            "start": start,
            "escalated": escalated,
            "escalation_reason": escalation_reason if escalated else "",
            "reason": v.get("reason", "").strip()[:255],
            "holding": holding,
        }
        if holding is None:
            plan.action = Action.CREATE
        else:
            plan.action = Action.CHANGE
            plan.changes = [f"{holding.cadre.name} → {cadre.name}"]
    return plans
