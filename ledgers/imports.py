"""Spreadsheet import of entities, cadres and holdings: templates, reading, the dry run, the import.

The dry run (``import_plan``) reads the sheet and decides for every row: create, change, unchanged
or refused (with the column and the reason). Nothing is written. ``import_apply`` plans again
against the registers as they are now and writes the good rows through the bulk services of
``entities.services`` and ``cadres.services``, which keep their rules (grade history, one holder
per business, adjustment rows). Existing rows are found by key in chunks (``__in`` lookups), never
a query per row.
"""

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.models import Division, Level
from baobao.scoping import require_register_writer
from baobao.validators import (
    normalize_phone,
    normalize_uscc,
    validate_mobile,
    validate_phone,
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
from cadres.services import HoldingChange, cadres_import_bulk, holdings_import_bulk, level_fit
from entities.models import TYPES_WITHOUT_USCC, BusinessType, Entity, Grade
from entities.services import entities_create_bulk, entities_update_bulk
from ledgers.models import ImportBatch, ImportKind, ImportMode, ImportStatus

CHUNK = 2000
HEADER_SEARCH_ROWS = 5


class Action:
    CREATE = "create"
    CHANGE = "change"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    ALL = (CREATE, CHANGE, UNCHANGED, REFUSED)


@dataclass(frozen=True)
class Field:
    name: str
    header: object  # lazily translated header text
    required: bool = False
    example: object = ""
    note: object = ""


ENTITY_FIELDS = [
    Field("name", gettext_lazy("Business name"), True, "金滩饭店"),
    Field(
        "uscc",
        gettext_lazy("Unified social credit code"),
        False,
        "91520602MA6DK1234X",
        gettext_lazy("18 characters; may be empty only for food stalls"),
    ),
    Field("licence_no", gettext_lazy("Licence number"), False, "JY15206020000001"),
    Field("business_type", gettext_lazy("Business type"), True, BusinessType.CATERING.label),
    Field("grade", gettext_lazy("Risk grade"), True, "C", gettext_lazy("A, B, C or D")),
    Field(
        "division",
        gettext_lazy("Division code"),
        True,
        "520602001001",
        gettext_lazy("6, 9 or 12 digit code of the division the business is in"),
    ),
    Field("address", gettext_lazy("Address")),
    Field("director_name", gettext_lazy("Food safety director")),
    Field("director_phone", gettext_lazy("Director's phone")),
    Field("officer_name", gettext_lazy("Food safety officer")),
    Field("officer_phone", gettext_lazy("Officer's phone")),
    Field("contact_phone", gettext_lazy("Contact phone"), False, "0856-5221234"),
]
CADRE_FIELDS = [
    Field("name", gettext_lazy("Cadre name"), True, "张三"),
    Field(
        "division",
        gettext_lazy("Division code"),
        True,
        "520602000000",
        gettext_lazy("the division the cadre serves; its level is the cadre's level"),
    ),
    Field("unit", gettext_lazy("Unit"), False, "碧江区人民政府"),
    Field("post", gettext_lazy("Post"), False, "副区长"),
    Field(
        "phone",
        gettext_lazy("Mobile phone"),
        True,
        "13985600001",
        gettext_lazy("11-digit mobile number; identifies the cadre"),
    ),
    Field("commitment_signed_on", gettext_lazy("Signed on"), False, "2026-01-08"),
    Field(
        "assistant1_name",
        gettext_lazy("Assistant 1 name"),
        False,
        "李四",
        gettext_lazy("city and county cadres need 1 or 2 assistants"),
    ),
    Field("assistant1_phone", gettext_lazy("Assistant 1 phone"), False, "13985600002"),
    Field("assistant2_name", gettext_lazy("Assistant 2 name")),
    Field("assistant2_phone", gettext_lazy("Assistant 2 phone")),
    Field("liaison_name", gettext_lazy("Liaison name")),
    Field("liaison_phone", gettext_lazy("Liaison phone")),
]
HOLDING_FIELDS = [
    Field(
        "entity",
        gettext_lazy("Credit code or licence number of the business"),
        True,
        "91520602MA6DK1234X",
    ),
    Field("cadre_phone", gettext_lazy("Cadre's mobile phone"), True, "13985600001"),
    Field(
        "start_date",
        gettext_lazy("Start date"),
        False,
        "2026-01-01",
        gettext_lazy("empty means today"),
    ),
    Field(
        "escalation_reason",
        gettext_lazy("Escalation reason"),
        False,
        "",
        gettext_lazy("required when the cadre is above the level the grade needs"),
    ),
    Field(
        "reason",
        gettext_lazy("Reason"),
        False,
        "",
        gettext_lazy("why the holder changes; empty means imported from a spreadsheet"),
    ),
]
FIELDS = {
    ImportKind.ENTITIES: ENTITY_FIELDS,
    ImportKind.CADRES: CADRE_FIELDS,
    ImportKind.HOLDINGS: HOLDING_FIELDS,
}
ENTITY_COMPARED = [f.name for f in ENTITY_FIELDS if f.name not in ("division", "uscc")]


def _site(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# ---------------------------------------------------------------- templates


def import_template(kind: str) -> openpyxl.Workbook:
    """The template of ``kind``: headers, one example row, and a notes sheet."""
    fields = FIELDS[kind]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _site(ImportKind(kind).label)[:31]
    ws.append([_site(f.header) for f in fields])
    ws.append([_site(f.example) for f in fields])
    for cell in ws[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    for index, f in enumerate(fields, 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(
            12, len(_site(f.header)) * 2 + 2
        )
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(_site(gettext_lazy("Notes")))
    notes.append(
        [
            _site(gettext_lazy("Column")),
            _site(gettext_lazy("Required")),
            _site(gettext_lazy("Notes")),
        ]
    )
    for f in fields:
        notes.append([_site(f.header), _site(_yes(f.required)), _site(f.note)])
    notes.append([])
    notes.append(
        [
            _site(
                gettext_lazy(
                    "Delete the example row before importing. Rows are matched to the register: businesses by "
                    "credit code, else licence number; cadres by mobile phone. Importing the same file again "
                    "changes nothing."
                )
            )
        ]
    )
    if kind == ImportKind.ENTITIES:
        notes.append(
            [
                _site(gettext_lazy("Business types")),
                "、".join(str(label) for _v, label in BusinessType.choices),
            ]
        )
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["C"].width = 60
    return wb


def _yes(flag: bool):
    return gettext_lazy("Yes") if flag else gettext_lazy("No")


# ---------------------------------------------------------------- reading


class SheetError(ValidationError):
    pass


def _text(value) -> str:
    """A cell as text: numbers typed into a cell (a phone, a code) lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def read_rows(path_or_file, kind: str) -> Iterator[tuple[int, dict]]:
    """(row number, {field: text}) for every non-empty row under the header row.

    The header is looked for in the first few rows (an exported ledger has a title above it);
    a missing required column or too many rows is refused as a whole.
    """
    fields = FIELDS[kind]
    try:
        wb = openpyxl.load_workbook(path_or_file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise SheetError(
            _("The file could not be read as an Excel workbook."), code="unreadable"
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        by_header = {_site(f.header): f.name for f in fields}
        columns = None
        row_no = 0
        for row in rows:
            row_no += 1
            names = [by_header.get(_text(v)) for v in row]
            if sum(1 for n in names if n) >= sum(1 for f in fields if f.required):
                columns = names
                break
            if row_no >= HEADER_SEARCH_ROWS:
                break
        if columns is None:
            raise SheetError(
                _("No header row found; download the template and keep its first row."),
                code="no_header",
            )
        missing = [_site(f.header) for f in fields if f.required and f.name not in columns]
        if missing:
            raise SheetError(
                _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)},
                code="missing_columns",
            )
        count = 0
        for row in rows:
            row_no += 1
            values = {}
            for name, value in zip(columns, row, strict=False):
                if name:
                    values[name] = _text(value)
            if not any(values.values()):
                continue
            count += 1
            if count > settings.IMPORT_MAX_ROWS:
                raise SheetError(
                    _("The sheet has more than %(n)d rows; split it into smaller files.")
                    % {"n": settings.IMPORT_MAX_ROWS},
                    code="too_many_rows",
                )
            yield row_no, values
    finally:
        wb.close()


# ---------------------------------------------------------------- planning


@dataclass
class RowPlan:
    row: int
    values: dict
    action: str = Action.CREATE
    key: str = ""
    name: str = ""
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    target: object = None  # the existing object, for a change
    extra: dict = field(default_factory=dict)

    def refuse(self, column: str, reason: str) -> None:
        self.errors.append([_site(_header(column, self.kind_fields)), str(reason)])
        self.action = Action.REFUSED

    kind_fields: list = field(default_factory=list, repr=False)

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "key": self.key,
            "name": self.name,
            "changes": self.changes,
            "errors": self.errors,
        }


def _header(name: str, fields) -> str:
    for f in fields:
        if f.name == name:
            return f.header
    return ""


def _message(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _division_code(text: str) -> str:
    digits = text.strip()
    if digits.isdigit() and len(digits) in (6, 9, 12):
        return digits.ljust(12, "0")
    return ""


def _divisions(codes: set[str]) -> dict[str, Division]:
    found = {}
    for chunk in _chunks(sorted(c for c in codes if c)):
        found.update({d.code: d for d in Division.objects.filter(code__in=chunk)})
    return found


def _check_division(plan: RowPlan, divisions, user) -> Division | None:
    text = plan.values.get("division", "")
    division = divisions.get(_division_code(text))
    if division is None:
        plan.refuse("division", _("Unknown division code %(code)s.") % {"code": text or "—"})
        return None
    if not user.is_system_admin and not (user.division_id and user.division.contains(division)):
        plan.refuse("division", _("%(division)s is outside your area.") % {"division": division})
        return None
    return division


def _check_phone(plan: RowPlan, name: str, *, mobile: bool = False) -> str:
    value = normalize_phone(plan.values.get(name, ""))
    if value:
        try:
            (validate_mobile if mobile else validate_phone)(value)
        except ValidationError as exc:
            plan.refuse(name, _message(exc))
    return value


def _check_date(plan: RowPlan, name: str) -> datetime.date | None:
    text = plan.values.get(name, "")
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        plan.refuse(name, _("Enter a date such as 2026-01-08."))
        return None
    if day > timezone.localdate():
        plan.refuse(name, _("The date cannot be in the future."))
    return day


def _type_of(text: str) -> str | None:
    for value, label in BusinessType.choices:
        if text in (value, str(label), _site(label)):
            return value
    return None


def _plan_entities(rows, user) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=ENTITY_FIELDS) for n, v in rows]
    divisions = _divisions({_division_code(p.values.get("division", "")) for p in plans})
    usccs = {normalize_uscc(p.values.get("uscc", "")) for p in plans} - {""}
    licences = {p.values.get("licence_no", "").strip().upper() for p in plans} - {""}
    by_uscc, by_licence = {}, {}
    scope = Entity.objects.select_related("division")
    for chunk in _chunks(sorted(usccs)):
        by_uscc.update({e.uscc: e for e in scope.filter(uscc__in=chunk)})
    for chunk in _chunks(sorted(licences)):
        by_licence.update({e.licence_no: e for e in scope.filter(licence_no__in=chunk)})
    seen_uscc, seen_licence = {}, {}
    for plan in plans:
        v = plan.values
        plan.name = v.get("name", "")
        if not plan.name:
            plan.refuse("name", _("The name is required."))
        uscc = normalize_uscc(v.get("uscc", ""))
        licence = v.get("licence_no", "").strip().upper()
        plan.key = uscc or licence
        btype = _type_of(v.get("business_type", ""))
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
                plan.refuse("uscc", _message(exc))
        elif btype and btype not in TYPES_WITHOUT_USCC:
            plan.refuse(
                "uscc", _("A unified social credit code is required for this business type.")
            )
        for name in ("director_phone", "officer_phone", "contact_phone"):
            v[name] = _check_phone(plan, name)
        division = _check_division(plan, divisions, user)
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
        if not user.is_system_admin and not user.division.contains(existing.division):
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
            plan.changes.append(_site(_header("uscc", ENTITY_FIELDS)))
        changed = [
            f
            for f in ENTITY_COMPARED
            if f != "grade" and data[f] and data[f] != getattr(existing, f)
        ]
        plan.changes += [_site(_header(f, ENTITY_FIELDS)) for f in changed]
        plan.extra["changed"] = changed + (["uscc"] if uscc and not existing.uscc else [])
        plan.action = Action.CHANGE if plan.changes else Action.UNCHANGED
    return plans


def _plan_cadres(rows, user) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=CADRE_FIELDS) for n, v in rows]
    divisions = _divisions({_division_code(p.values.get("division", "")) for p in plans})
    phones = {normalize_phone(p.values.get("phone", "")) for p in plans} - {""}
    existing = {}
    for chunk in _chunks(sorted(phones)):
        existing.update(
            {c.phone: c for c in Cadre.objects.select_related("division").filter(phone__in=chunk)}
        )
    seen = {}
    for plan in plans:
        v = plan.values
        plan.name = v.get("name", "")
        if not plan.name:
            plan.refuse("name", _("The name is required."))
        phone = normalize_phone(v.get("phone", ""))
        plan.key = phone
        if not phone:
            plan.refuse("phone", _("The mobile phone is required."))
        else:
            _check_phone(plan, "phone", mobile=True)
            if phone in seen:
                plan.refuse("phone", _("Same as row %(row)d of this file.") % {"row": seen[phone]})
            else:
                seen[phone] = plan.row
        division = _check_division(plan, divisions, user)
        signed = _check_date(plan, "commitment_signed_on")
        aides = []
        for prefix, kind in (
            ("assistant1", AideKind.ASSISTANT),
            ("assistant2", AideKind.ASSISTANT),
            ("liaison", AideKind.LIAISON),
        ):
            name = v.get(f"{prefix}_name", "")
            aide_phone = _check_phone(plan, f"{prefix}_phone")
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
        if not user.is_system_admin and not user.division.contains(cadre.division):
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
            _site(
                _header("commitment_signed_on" if f == "commitment_signed_on" else f, CADRE_FIELDS)
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
    for chunk in _chunks([p.target.pk for p in plans]):
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
            plan.changes.append(_site(gettext_lazy("Assistants and liaison")))
            plan.action = Action.CHANGE


def _plan_holdings(rows, user) -> list[RowPlan]:
    plans = [RowPlan(row=n, values=v, kind_fields=HOLDING_FIELDS) for n, v in rows]
    keys = {p.values.get("entity", "").strip().upper() for p in plans} - {""}
    phones = {normalize_phone(p.values.get("cadre_phone", "")) for p in plans} - {""}
    entities = {}
    in_scope = Entity.objects.for_user(user).select_related("division", "zone")
    for chunk in _chunks(sorted(keys)):
        for e in in_scope.filter(uscc__in=chunk):
            entities[e.uscc] = e
        for e in in_scope.filter(licence_no__in=chunk):
            entities.setdefault(e.licence_no, e)
    cadres = {}
    for chunk in _chunks(sorted(phones)):
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
    for chunk in _chunks(entity_ids):
        for a in Assignment.objects.filter(
            entity_id__in=chunk, end_date__isnull=True
        ).select_related("cadre"):
            current[a.entity_id] = a

    held_zones = set()
    zone_ids = sorted({e.zone_id for e in entities.values() if e.zone_id})
    for chunk in _chunks(zone_ids):
        held_zones |= set(
            ZoneAssignment.objects.filter(zone_id__in=chunk, end_date__isnull=True).values_list(
                "zone_id", flat=True
            )
        )

    seen = {}
    for plan in plans:
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
        start = _check_date(plan, "start_date") or timezone.localdate()
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
            plan.refuse(column, _message(exc))
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


def _plan(batch: ImportBatch) -> list[RowPlan]:
    with translation.override(settings.LANGUAGE_CODE), batch.file.open("rb") as handle:
        content = io.BytesIO(handle.read())
        return PLANNERS[batch.kind](read_rows(content, batch.kind), batch.user)


def _counts(plans: list[RowPlan]) -> dict:
    counts = dict.fromkeys(Action.ALL, 0)
    for plan in plans:
        counts[plan.action] += 1
    return counts


# ---------------------------------------------------------------- services


@transaction.atomic
def import_batch_create(*, user, kind: str, upload) -> ImportBatch:
    """Store an uploaded sheet (private, random name) and its dry run; nothing else changes.
    A sheet that cannot be read at all is refused with ValidationError."""

    require_register_writer(user)
    batch = ImportBatch(user=user, kind=kind, original_name=upload.name[:200])
    batch.file.save("import.xlsx", upload, save=False)
    try:
        plans = _plan(batch)
    except SheetError:
        batch.file.delete(save=False)
        raise
    batch.plan = [p.as_json() for p in plans]
    batch.counts = _counts(plans)
    batch.save()
    return batch


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, mode: str, by) -> ImportBatch:
    """Import a checked batch: all rows or none (refused if any row is bad), or only the good
    rows. The sheet is planned again against the registers as they are now."""

    require_register_writer(by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.IMPORTED:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    plans = _plan(batch)
    refused = [p for p in plans if p.action == Action.REFUSED]
    if mode == ImportMode.ALL_OR_NOTHING and refused:
        raise ValidationError(
            _(
                "%(n)d rows are refused, so nothing was imported. Correct them, or import only the good rows."
            )
            % {"n": len(refused)},
            code="rows_refused",
        )
    good = [p for p in plans if p.action in (Action.CREATE, Action.CHANGE)]
    APPLIERS[batch.kind](good, by)
    batch.plan = [p.as_json() for p in plans]
    batch.counts = _counts(plans)
    batch.status = ImportStatus.IMPORTED
    batch.mode = mode
    batch.result = {
        "created": sum(1 for p in good if p.action == Action.CREATE),
        "changed": sum(1 for p in good if p.action == Action.CHANGE),
        "skipped": len(refused),
    }
    batch.imported_at = timezone.now()
    batch.save()
    return batch


def _apply_entities(plans: list[RowPlan], by) -> None:

    entities_create_bulk(
        rows=[
            {**p.extra["data"], "division": p.extra["division"]}
            for p in plans
            if p.action == Action.CREATE
        ],
        by=by,
        reason=_site(gettext_lazy("Imported from a spreadsheet")),
    )
    entities_update_bulk(
        changes=[
            (p.target, {f: p.extra["data"][f] for f in p.extra["changed"]})
            for p in plans
            if p.action == Action.CHANGE
        ],
        by=by,
    )


def _apply_cadres(plans: list[RowPlan], by) -> None:

    cadres_import_bulk(
        creates=[
            {
                **p.extra["data"],
                "division": p.extra["division"],
                "phone": p.extra["phone"],
                "aides": p.extra["aides"],
            }
            for p in plans
            if p.action == Action.CREATE
        ],
        changes=[
            (p.target, {f: p.extra["data"][f] for f in p.extra["changed"]}, p.extra["new_aides"])
            for p in plans
            if p.action == Action.CHANGE
        ],
        by=by,
    )


def _apply_holdings(plans: list[RowPlan], by) -> None:

    holdings_import_bulk(
        changes=[
            HoldingChange(
                entity=p.extra["entity"],
                cadre=p.extra["cadre"],
                start_date=p.extra["start"],
                escalated=p.extra["escalated"],
                escalation_reason=p.extra["escalation_reason"],
                reason=p.extra["reason"],
                current=p.extra["holding"],
            )
            for p in plans
        ],
        by=by,
        default_reason=_site(gettext_lazy("Imported from a spreadsheet")),
    )


APPLIERS = {
    ImportKind.ENTITIES: _apply_entities,
    ImportKind.CADRES: _apply_cadres,
    ImportKind.HOLDINGS: _apply_holdings,
}
