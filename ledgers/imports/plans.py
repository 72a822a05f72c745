"""The dry run per kind: what each row of an entities, cadres or holdings sheet would do."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao import clock
from baobao.models import Level
from baobao.scoping import division_in_scope
from baobao.validators import (
    normalize_phone,
    normalize_uscc,
    validate_uscc,
)
from cadres.models import (
    ASSISTANT_LEVELS,
    MAX_ASSISTANTS,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    ZoneAssignment,
)
from cadres.services import level_fit
from entities.models import TYPES_WITHOUT_USCC, Entity, Grade
from ledgers.imports.rows import (
    RowPlan,
    business_type_of,
    check_date,
    check_division,
    check_phone,
    column_header,
    division_code,
    divisions_for_codes,
    in_chunks,
    refusal_text,
)
from ledgers.imports.sheet import (
    CADRE_FIELDS,
    ENTITY_COMPARED,
    ENTITY_FIELDS,
    HOLDING_FIELDS,
    Action,
    site_label,
)
from ledgers.models import ImportKind


def _plan_entities(rows, user, progress) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=ENTITY_FIELDS) for n, v in rows]
    divisions = divisions_for_codes({division_code(p.values.get("division", "")) for p in plans})
    usccs = {normalize_uscc(p.values.get("uscc", "")) for p in plans} - {""}
    licences = {p.values.get("licence_no", "").strip().upper() for p in plans} - {""}
    by_uscc, by_licence = {}, {}
    scope = Entity.objects.select_related("division")
    for chunk in in_chunks(sorted(usccs)):
        by_uscc.update({e.uscc: e for e in scope.filter(uscc__in=chunk)})
    for chunk in in_chunks(sorted(licences)):
        by_licence.update({e.licence_no: e for e in scope.filter(licence_no__in=chunk)})
    seen_uscc, seen_licence = {}, {}
    for index, plan in enumerate(plans, 1):
        progress(index)
        v = plan.values
        plan.name = v.get("name", "")
        if not plan.name:
            plan.refuse("name", _("The name is required."))
        uscc = normalize_uscc(v.get("uscc", ""))
        licence = v.get("licence_no", "").strip().upper()
        plan.key = uscc or licence
        btype = business_type_of(v.get("business_type", ""))
        if btype is None:
            plan.refuse(
                "business_type",
                _("Unknown business type %(type)s.") % {"type": v.get("business_type") or "—"},
            )
        grade = v.get("grade", "").strip().upper()
        if grade not in Grade.values:
            plan.refuse("grade", _("Choose grade A, B, C or D."))
        if uscc:
            try:
                validate_uscc(uscc)
            except ValidationError as exc:
                plan.refuse("uscc", refusal_text(exc))
        elif btype and btype not in TYPES_WITHOUT_USCC:
            plan.refuse(
                "uscc", _("A unified social credit code is required for this business type.")
            )
        for name in ("director_phone", "officer_phone", "contact_phone"):
            v[name] = check_phone(plan, name)
        division = check_division(plan, divisions, user)
        for column, key, seen in (("uscc", uscc, seen_uscc), ("licence_no", licence, seen_licence)):
            if key and key in seen:
                plan.refuse(column, _("Same as row %(row)d of this file.") % {"row": seen[key]})
            elif key:
                seen[key] = plan.row
        existing = by_uscc.get(uscc) if uscc else None
        by_lic = by_licence.get(licence) if licence else None
        if existing is None:
            existing = by_lic
        elif by_lic is not None and by_lic.pk != existing.pk:
            plan.refuse(
                "licence_no",
                _("This licence number belongs to another business (%(name)s).")
                % {"name": by_lic.name},
            )
        if plan.action == Action.REFUSED:
            continue
        data = {
            "name": plan.name,
            "uscc": uscc,
            "licence_no": licence,
            "business_type": btype,
            "grade": grade,
            "address": v.get("address", ""),
            "director_name": v.get("director_name", ""),
            "director_phone": v["director_phone"],
            "officer_name": v.get("officer_name", ""),
            "officer_phone": v["officer_phone"],
            "contact_phone": v["contact_phone"],
        }
        plan.extra = {"data": data, "division": division}
        if existing is None:
            plan.action = Action.CREATE
            continue
        plan.target = existing
        if not division_in_scope(user, existing.division):
            plan.refuse(
                "uscc",
                _("This business is registered in %(division)s, outside your area.")
                % {"division": existing.division},
            )
            continue
        if existing.division_id != division.pk:
            plan.refuse(
                "division",
                _("This business is registered in %(division)s; move it on its own page.")
                % {"division": existing.division},
            )
            continue
        if existing.grade != grade:
            plan.refuse(
                "grade",
                _(
                    "This business is grade %(grade)s in the register; regrade it on its own page, with the reason."
                )
                % {"grade": existing.grade},
            )
            continue
        if uscc and not existing.uscc:
            plan.changes.append(site_label(column_header("uscc", ENTITY_FIELDS)))
        changed = [
            f
            for f in ENTITY_COMPARED
            if f != "grade" and data[f] and data[f] != getattr(existing, f)
        ]
        plan.changes += [site_label(column_header(f, ENTITY_FIELDS)) for f in changed]
        plan.extra["changed"] = changed + (["uscc"] if uscc and not existing.uscc else [])
        plan.action = Action.CHANGE if plan.changes else Action.UNCHANGED
    return plans


def _plan_cadres(rows, user, progress) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=CADRE_FIELDS) for n, v in rows]
    divisions = divisions_for_codes({division_code(p.values.get("division", "")) for p in plans})
    phones = {normalize_phone(p.values.get("phone", "")) for p in plans} - {""}
    existing = {}
    for chunk in in_chunks(sorted(phones)):
        existing.update(
            {c.phone: c for c in Cadre.objects.select_related("division").filter(phone__in=chunk)}
        )
    seen = {}
    for index, plan in enumerate(plans, 1):
        progress(index)
        v = plan.values
        plan.name = v.get("name", "")
        if not plan.name:
            plan.refuse("name", _("The name is required."))
        phone = normalize_phone(v.get("phone", ""))
        plan.key = phone
        if not phone:
            plan.refuse("phone", _("The mobile phone is required."))
        else:
            check_phone(plan, "phone", mobile=True)
            if phone in seen:
                plan.refuse("phone", _("Same as row %(row)d of this file.") % {"row": seen[phone]})
            else:
                seen[phone] = plan.row
        division = check_division(plan, divisions, user)
        signed = check_date(plan, "commitment_signed_on")
        aides = []
        for prefix, kind in (
            ("assistant1", AideKind.ASSISTANT),
            ("assistant2", AideKind.ASSISTANT),
            ("liaison", AideKind.LIAISON),
        ):
            name = v.get(f"{prefix}_name", "")
            aide_phone = check_phone(plan, f"{prefix}_phone")
            if name and not aide_phone:
                plan.refuse(f"{prefix}_phone", _("Give the phone of %(name)s.") % {"name": name})
            elif aide_phone and not name:
                plan.refuse(
                    f"{prefix}_name",
                    _("Give the name for phone %(phone)s.") % {"phone": aide_phone},
                )
            elif name:
                aides.append({"kind": kind, "name": name, "phone": aide_phone})
        cadre = existing.get(phone)
        needs_assistant = (
            division is not None
            and cadre is None
            and Level(division.level) in ASSISTANT_LEVELS
            and not any(a["kind"] == AideKind.ASSISTANT for a in aides)
        )
        if needs_assistant:
            plan.refuse(
                "assistant1_name",
                _("A %(level)s-level cadre needs 1 or 2 assistants (协保员).")
                % {"level": Level(division.level).label},
            )
        if plan.action == Action.REFUSED:
            continue
        data = {
            "name": plan.name,
            "unit": v.get("unit", ""),
            "post": v.get("post", ""),
            "commitment_signed_on": signed,
        }
        plan.extra = {"data": data, "division": division, "phone": phone, "aides": aides}
        if cadre is None:
            plan.action = Action.CREATE
            continue
        plan.target = cadre
        if not division_in_scope(user, cadre.division):
            plan.refuse(
                "phone",
                _("This phone belongs to a cadre of %(division)s, outside your area.")
                % {"division": cadre.division},
            )
            continue
        if cadre.division_id != division.pk:
            plan.refuse(
                "division",
                _("This cadre serves %(division)s in the register; move them on their own page.")
                % {"division": cadre.division},
            )
            continue
        changed = [
            f for f, value in data.items() if value not in ("", None) and value != getattr(cadre, f)
        ]
        plan.extra["changed"] = changed
        plan.changes = [
            site_label(
                column_header(
                    "commitment_signed_on" if f == "commitment_signed_on" else f, CADRE_FIELDS
                )
            )
            for f in changed
        ]
        plan.extra["new_aides"] = aides  # compared with the active aides below
        plan.action = Action.CHANGE if changed else Action.UNCHANGED
    _plan_cadre_aides([p for p in plans if p.target is not None and p.action != Action.REFUSED])
    return plans


def _plan_cadre_aides(plans: list[RowPlan]) -> None:
    """For known cadres: the aides in the row they do not have yet are added (within the limits)."""
    active = {}
    for chunk in in_chunks([p.target.pk for p in plans]):
        for aide in CadreAide.objects.filter(cadre_id__in=chunk, is_active=True):
            active.setdefault(aide.cadre_id, []).append(aide)
    for plan in plans:
        have = active.get(plan.target.pk, [])
        new = [
            a
            for a in plan.extra["new_aides"]
            if not any(h.kind == a["kind"] and h.phone == a["phone"] for h in have)
        ]
        assistants = sum(1 for h in have if h.kind == AideKind.ASSISTANT) + sum(
            1 for a in new if a["kind"] == AideKind.ASSISTANT
        )
        liaisons = sum(1 for h in have if h.kind == AideKind.LIAISON) + sum(
            1 for a in new if a["kind"] == AideKind.LIAISON
        )
        if assistants > MAX_ASSISTANTS:
            plan.refuse(
                "assistant1_name",
                _("A cadre has at most %(n)d assistants (协保员).") % {"n": MAX_ASSISTANTS},
            )
            continue
        if liaisons > 1:
            plan.refuse("liaison_name", _("A cadre has at most %(n)d liaison (联络员).") % {"n": 1})
            continue
        plan.extra["new_aides"] = new
        if new:
            plan.changes.append(site_label(gettext_lazy("Assistants and liaison")))
            plan.action = Action.CHANGE


def _plan_holdings(rows, user, progress) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=HOLDING_FIELDS) for n, v in rows]
    keys = {p.values.get("entity", "").strip().upper() for p in plans} - {""}
    phones = {normalize_phone(p.values.get("cadre_phone", "")) for p in plans} - {""}
    entities = {}
    in_scope = Entity.objects.for_user(user).select_related("division", "zone")
    for chunk in in_chunks(sorted(keys)):
        for e in in_scope.filter(uscc__in=chunk):
            entities[e.uscc] = e
        for e in in_scope.filter(licence_no__in=chunk):
            entities.setdefault(e.licence_no, e)
    cadres = {}
    for chunk in in_chunks(sorted(phones)):
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
    for chunk in in_chunks(entity_ids):
        for a in Assignment.objects.filter(
            entity_id__in=chunk, end_date__isnull=True
        ).select_related("cadre"):
            current[a.entity_id] = a

    held_zones = set()
    zone_ids = sorted({e.zone_id for e in entities.values() if e.zone_id})
    for chunk in in_chunks(zone_ids):
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


PLANNERS = {
    ImportKind.ENTITIES: _plan_entities,
    ImportKind.CADRES: _plan_cadres,
    ImportKind.HOLDINGS: _plan_holdings,
}


def plan_rows(*, kind: str, rows, user, progress=None) -> list[RowPlan]:
    """The dry run of rows already read (``[(row number, {field: text}), …]``) against the
    registers as they are now; ``progress(n)`` is called as row n is checked."""
    with translation.override(settings.LANGUAGE_CODE):
        return PLANNERS[kind](rows, user, progress or _ignore)


def _ignore(count: int) -> None:
    return None


def plan_counts(plans: list[RowPlan]) -> dict:
    counts = dict.fromkeys(Action.ALL, 0)
    for plan in plans:
        counts[plan.action] += 1
    return counts
