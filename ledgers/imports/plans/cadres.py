"""The dry run of a cadre register sheet: each row creates, changes or leaves a cadre and adds
the assistants (协保员) and liaison (联络员) it names."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.batches import batched
from baobao.models import Level
from baobao.validators import normalize_phone
from cadres.models import ASSISTANT_LEVELS, MAX_ASSISTANTS, AideKind, Cadre, CadreAide
from ledgers.imports.rows import (
    RowPlan,
    check_date,
    check_division,
    check_known,
    check_phone,
    column_header,
    row_plans,
)
from ledgers.imports.sheet import CADRE_FIELDS, CHUNK, Action, site_label


def plan_cadres(rows, user, progress) -> list[RowPlan]:
    plans, divisions = row_plans(rows, CADRE_FIELDS)
    phones = {normalize_phone(p.values.get("phone", "")) for p in plans} - {""}
    existing = {}
    for chunk in batched(sorted(phones), CHUNK):
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
        if not check_known(
            plan,
            target=cadre,
            division=division,
            user=user,
            column="phone",
            outside=_("This phone belongs to a cadre of %(division)s, outside your area."),
            moved=_("This cadre serves %(division)s in the register; move them on their own page."),
        ):
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
    for chunk in batched([p.target.pk for p in plans], CHUNK):
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
