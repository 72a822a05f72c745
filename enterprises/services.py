"""Writes of the business side: accounts for a business's people (by the office), the
records (by the business's people), append-only, and the office's policy and daily checks."""

import datetime
import re
import uuid
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services import one_time_password
from baobao import clock
from baobao.models import Level, Role
from baobao.scoping import require_division_in_scope
from enterprises.models import (
    DailyCheckItem,
    Membership,
    Position,
    Record,
    RecordKind,
    RecordPhoto,
    RecordPolicy,
    Requirement,
)
from enterprises.months import record_month_add
from enterprises.policy import period_start as period_of
from entities.changes import entity_state
from entities.models import Entity
from inspections.photos import process_photo

User = get_user_model()
USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
# How far back a business may fill in a missed record (a daily check typed the next morning).
BACKFILL_DAYS = 7


@transaction.atomic
def business_account_create(
    *, entity: Entity, by, username: str, name: str, position: str, phone: str = ""
) -> tuple[User, str | None]:
    """Give a business's person an account (or add an existing business account to another
    business of the same owner). Answers the user and, for a new account, its one-time password,
    to be shown once and changed at the first sign-in."""
    require_division_in_scope(by, entity.division)
    if position not in Position.values:
        raise ValidationError(_("Choose a position."), code="position")
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise ValidationError(
            _("A username is 3 or more letters, digits or _.@+-."), code="username"
        )
    user = User.objects.select_for_update().filter(username=username).first()
    password = None
    if user is None:
        password = one_time_password()
        user = User(username=username, first_name=(name or "").strip()[:150], role=Role.BUSINESS)
        user.phone = (phone or "").strip()[:20]
        user.set_unusable_password()
        user.save()
        # Set once the user has a key, so the password history records it as one-time.
        user._password_one_time = True
        user.set_password(password)
        user.save(update_fields=["password"])
    elif user.role != Role.BUSINESS:
        raise ValidationError(_("%(name)s is not a business account.") % {"name": username})
    else:
        _require_same_owner(user, entity)
    membership, created = Membership.objects.get_or_create(
        user=user, entity=entity, defaults={"position": position, "created_by": by}
    )
    if not created and not membership.is_active:
        Membership.objects.filter(pk=membership.pk).update(is_active=True, position=position)
    return user, password


def _require_same_owner(user, entity: Entity) -> None:
    """One person may serve several businesses of one owner: the same credit code's holder
    (the first 17 characters name the legal person; branches share them)."""
    others = Entity.objects.filter(members__user=user).exclude(pk=entity.pk)
    owners = {e.uscc[:17] for e in others if e.uscc}
    if owners and entity.uscc[:17] not in owners:
        raise ValidationError(
            _("%(name)s already works for a business of another owner.") % {"name": user.username}
        )


def require_member(user, entity: Entity) -> Membership:
    """The user's active place in the business; 403 for anyone else."""
    membership = Membership.objects.filter(user=user, entity=entity, is_active=True).first()
    if membership is None or not user.is_active:
        raise PermissionDenied(_("Only the business's own people can write its records."))
    return membership


def _clean_content(kind: str, content: Mapping) -> tuple[dict, int, int]:
    """The record's answers, and its counts of problems found and still open."""
    text = {k: str(v).strip()[:2000] for k, v in content.items() if k != "items"}
    if kind == RecordKind.DAILY:
        items = [
            {
                "text": str(i["text"])[:200],
                "ok": bool(i["ok"]),
                "note": str(i.get("note", "")).strip()[:500],
                "fixed": bool(i.get("fixed")),
            }
            for i in content.get("items", [])
        ]
        if not items:
            raise ValidationError(_("The daily check has no items."), code="no_items")
        for item in items:
            if not item["ok"] and not item["note"]:
                raise ValidationError(
                    _("Say what the problem is: %(item)s") % {"item": item["text"]}, code="note"
                )
        problems = sum(not i["ok"] for i in items)
        open_ = sum(not i["ok"] and not i["fixed"] for i in items)
        return {**text, "items": items}, problems, open_
    required = {
        RecordKind.WEEKLY: ("found", "focus"),
        RecordKind.MONTHLY: ("meeting_date", "attendees", "situation", "decisions"),
    }[kind]
    missing = [k for k in required if not text.get(k)]
    if missing:
        raise ValidationError(_("Fill in every required part."), code="required")
    if kind == RecordKind.WEEKLY:
        numbers = {}
        for key in ("problems", "open_problems"):
            try:
                numbers[key] = max(0, min(int(content.get(key) or 0), 999))
            except (TypeError, ValueError):
                raise ValidationError(_("Enter a number."), code="number") from None
        return text, numbers["problems"], min(numbers["open_problems"], numbers["problems"])
    return text, 0, 0


@transaction.atomic
def record_submit(
    *,
    user,
    entity: Entity,
    kind: str,
    day: datetime.date,
    today: datetime.date,
    content: Mapping,
    photos: Sequence = (),
    item_photos: Mapping[int, object] | None = None,
    corrects: Record | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Record, bool]:
    """Submit a daily check, weekly report or monthly minutes for ``day``'s period (no later than
    ``today``, the caller's clock, and not too far back), stamped with who and when. A period
    has one original; anything after is a correction naming the record it corrects. The same
    ``idempotency_key`` again answers the first record (created False)."""
    require_member(user, entity)
    if idempotency_key is not None:
        sent = Record.objects.filter(idempotency_key=idempotency_key).first()
        if sent is not None:
            if sent.submitted_by_id != user.pk:
                raise ValidationError(_("This form was already used by someone else."))
            return sent, False
    if kind not in RecordKind.values:
        raise ValidationError(_("Unknown record kind."), code="kind")
    if day > today or (today - day).days > BACKFILL_DAYS + 31 * (kind == RecordKind.MONTHLY):
        raise ValidationError(_("The date is outside what can be recorded now."), code="date")
    start = period_of(kind, day)
    if corrects is not None:
        if corrects.entity_id != entity.pk or corrects.kind != kind:
            raise ValidationError(_("A correction must be of the same record."), code="corrects")
        start = corrects.period_start
        corrects = corrects.corrects or corrects  # always name the original
    else:
        locked = Entity.objects.select_for_update().filter(pk=entity.pk).first()
        if Record.objects.filter(
            entity=entity, kind=kind, period_start=start, corrects__isnull=True
        ).exists():
            raise ValidationError(
                _("This period's record is already submitted; submit a correction instead."),
                code="duplicate",
            )
    cleaned, problems, open_problems = _clean_content(kind, content)
    processed = [process_photo(p) for p in photos]
    by_item = {i: process_photo(p) for i, p in (item_photos or {}).items() if p}
    record = Record.objects.create(
        entity=entity,
        kind=kind,
        period_start=start,
        content=cleaned,
        problems=problems,
        open_problems=open_problems,
        corrects=corrects,
        submitted_by=user,
        submitted_at=clock.now(),
        idempotency_key=idempotency_key,
    )
    for item, photo in [*((None, p) for p in processed), *by_item.items()]:
        RecordPhoto.objects.create(record=record, item=item, image=photo.file)
    if corrects is None:  # the period is kept: the rates' summary says so in the same commit
        record_month_add(entity_id=entity.pk, kind=kind, day=start, state=entity_state(locked))
    return record, True


def _require_policy_office(by, division) -> None:
    """The office of ``division`` or one above it, at county level or higher (the policy is
    a county's, a city's or a province's); 403 for anyone else."""
    require_division_in_scope(by, division)
    if division.level > Level.COUNTY:
        raise PermissionDenied(_("The policy is set by a county office or above."))


@transaction.atomic
def record_policy_set(
    *, division, by, business_type: str, grade: str, requirement: str, note: str = ""
) -> RecordPolicy:
    """Set the area's rule for a business type and grade (blank: any); ``requirement`` "" takes
    the rule out of force so the level above decides again. The row is kept, its history says
    who changed what and when."""
    _require_policy_office(by, division)
    if requirement and requirement not in Requirement.values:
        raise ValidationError(_("Choose a requirement."), code="requirement")
    rule = (
        RecordPolicy.objects.select_for_update()
        .filter(division=division, business_type=business_type, grade=grade)
        .first()
    )
    if rule is None:
        if not requirement:
            raise ValidationError(_("This area has no such rule to withdraw."), code="none")
        rule = RecordPolicy(division=division, business_type=business_type, grade=grade)
    rule.requirement = requirement or rule.requirement
    rule.is_active = bool(requirement)
    rule.note = (note or "").strip()[:200]
    rule._history_user = by
    rule.save()
    return rule


@transaction.atomic
def daily_item_add(*, division, by, text: str, business_types: Sequence[str], order: int = 0):
    """Add a check to the area's daily check list (for the types named, or every type)."""
    _require_policy_office(by, division)
    text = (text or "").strip()[:200]
    if not text:
        raise ValidationError(_("Write the check."), code="text")
    item = DailyCheckItem(
        division=division, text=text, business_types=list(business_types), order=order
    )
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def daily_item_set_active(*, item: DailyCheckItem, by, active: bool) -> DailyCheckItem:
    """Take an area's check out of use, or back into use; never deleted (the records name it)."""
    if item.division is None:
        raise PermissionDenied(_("The default list is changed by the system's administrator."))
    _require_policy_office(by, item.division)
    item.is_active = active
    item._history_user = by
    item.save(update_fields=["is_active"])
    return item
