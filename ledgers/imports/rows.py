"""One row of the dry run (its action, key, changes and refusals) and the checks rows share."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from baobao import clock
from baobao.batches import batched
from baobao.models import Division
from baobao.scoping import division_in_scope
from baobao.validators import (
    normalize_phone,
    validate_mobile,
    validate_phone,
)
from entities.models import BusinessType
from ledgers.imports.sheet import CHUNK, Action, site_label

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
        self.errors.append([site_label(column_header(column, self.kind_fields)), str(reason)])
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


def column_header(name: str, fields) -> str:
    for f in fields:
        if f.name == name:
            return f.header
    return ""


def refusal_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def division_code(text: str) -> str:
    digits = text.strip()
    if digits.isdigit() and len(digits) in (6, 9, 12):
        return digits.ljust(12, "0")
    return ""


def divisions_for_codes(codes: set[str]) -> dict[str, Division]:
    found = {}
    for chunk in batched(sorted(c for c in codes if c), CHUNK):
        found.update({d.code: d for d in Division.objects.filter(code__in=chunk)})
    return found


def row_plans(rows, fields) -> tuple[list[RowPlan], dict[str, Division]]:
    """A plan per row read (``[(row number, {field: text}), …]``) and the divisions their
    ``division`` column names, by code, in one query."""
    plans = [RowPlan(row=n, values=v, kind_fields=fields) for n, v in rows]
    return plans, divisions_for_codes({division_code(p.values.get("division", "")) for p in plans})


def check_division(plan: RowPlan, divisions, user) -> Division | None:
    text = plan.values.get("division", "")
    division = divisions.get(division_code(text))
    if division is None:
        plan.refuse("division", _("Unknown division code %(code)s.") % {"code": text or "—"})
        return None
    if not division_in_scope(user, division):
        plan.refuse("division", _("%(division)s is outside your area.") % {"division": division})
        return None
    return division


def check_known(plan: RowPlan, *, target, division, user, column: str, outside, moved) -> bool:
    """A row naming a record the register already holds (``target``): it must be in the user's
    area and in the row's division (a move is made on the record's own page). ``outside`` and
    ``moved`` are messages with ``%(division)s``; False when the row is refused."""
    plan.target = target
    if not division_in_scope(user, target.division):
        plan.refuse(column, outside % {"division": target.division})
        return False
    if target.division_id != division.pk:
        plan.refuse("division", moved % {"division": target.division})
        return False
    return True


def check_phone(plan: RowPlan, name: str, *, mobile: bool = False) -> str:
    value = normalize_phone(plan.values.get(name, ""))
    if value:
        try:
            (validate_mobile if mobile else validate_phone)(value)
        except ValidationError as exc:
            plan.refuse(name, refusal_text(exc))
    return value


def check_date(plan: RowPlan, name: str) -> datetime.date | None:
    text = plan.values.get(name, "")
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        plan.refuse(name, _("Enter a date such as 2026-01-08."))
        return None
    if day > clock.today():
        plan.refuse(name, _("The date cannot be in the future."))
    return day


def business_types_by_text() -> dict[str, str]:
    """The business type each accepted spelling names: the stored value, the label in the
    active language and in the site's. Built once per sheet, not per row."""
    by_text = {}
    for value, label in BusinessType.choices:
        for text in (value, str(label), site_label(label)):
            by_text.setdefault(text, value)
    return by_text
