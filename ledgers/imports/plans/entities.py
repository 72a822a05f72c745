"""The dry run of a business register sheet: each row creates, changes or leaves a business."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from baobao.batches import batched
from baobao.validators import normalize_uscc, validate_uscc
from entities.models import TYPES_WITHOUT_USCC, Entity, Grade
from ledgers.imports.rows import (
    RowPlan,
    business_types_by_text,
    check_division,
    check_known,
    check_phone,
    column_header,
    refusal_text,
    row_plans,
)
from ledgers.imports.sheet import CHUNK, ENTITY_COMPARED, ENTITY_FIELDS, Action, site_label


def plan_entities(rows, user, progress) -> list[RowPlan]:
    plans, divisions = row_plans(rows, ENTITY_FIELDS)
    usccs = {normalize_uscc(p.values.get("uscc", "")) for p in plans} - {""}
    licences = {p.values.get("licence_no", "").strip().upper() for p in plans} - {""}
    by_uscc, by_licence = {}, {}
    scope = Entity.objects.select_related("division")
    for chunk in batched(sorted(usccs), CHUNK):
        by_uscc.update({e.uscc: e for e in scope.filter(uscc__in=chunk)})
    for chunk in batched(sorted(licences), CHUNK):
        by_licence.update({e.licence_no: e for e in scope.filter(licence_no__in=chunk)})
    seen_uscc, seen_licence = {}, {}
    business_types = business_types_by_text()
    for index, plan in enumerate(plans, 1):
        progress(index)
        v = plan.values
        plan.name = v.get("name", "")
        if not plan.name:
            plan.refuse("name", _("The name is required."))
        uscc = normalize_uscc(v.get("uscc", ""))
        licence = v.get("licence_no", "").strip().upper()
        plan.key = uscc or licence
        btype = business_types.get(v.get("business_type", ""))
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
        if not check_known(
            plan,
            target=existing,
            division=division,
            user=user,
            column="uscc",
            outside=_("This business is registered in %(division)s, outside your area."),
            moved=_("This business is registered in %(division)s; move it on its own page."),
        ):
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
