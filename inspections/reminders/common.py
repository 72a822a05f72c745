"""Limits, message texts and the keyset batches the reminder jobs share."""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from baobao.models import OFFICE_ROLES, User
from baobao.notifications import (
    NotificationRow,
    recipients_queryset,
)
from cadres.models import Assignment, Cadre, CadreStatus
from entities.models import EntityStatus
from inspections.models import Visit
from inspections.quarters import Quarter
from inspections.selectors import held_on

BATCH_SIZE = 500
NAMES_SHOWN = 20  # businesses (or cadres, issues) named in one message; the rest are counted
DIGEST_LINES = 30
# Businesses that must have a holder: in business or suspended; closed ones need none.
OPEN_STATUSES = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)
# Absolute repeat windows of the office's overdue-issue digest start on this Monday, so a
# 7-day repeat is the ISO week.
WINDOW_EPOCH = datetime.date(2024, 1, 1)

Sink = Callable[[list[NotificationRow]], int]


# --- texts -------------------------------------------------------------------------------------


def quarter_label(quarter: Quarter) -> str:
    return _("%(year)d Q%(number)d") % {"year": quarter.year, "number": quarter.number}


def names_text(names: list[str], total: int) -> str:
    text = "、".join(names[:NAMES_SHOWN])
    if total > NAMES_SHOWN:
        text += _(" and %(more)d more") % {"more": total - NAMES_SHOWN}
    return text


def lines_text(lines: list[str], total: int) -> str:
    text = "\n".join(lines)
    if total > len(lines):
        text += "\n" + _("… and %(more)d more") % {"more": total - len(lines)}
    return text


def rate_text(visited: int, due: int) -> str:
    return f"{visited / due:.0%}" if due else "—"


# --- batches -----------------------------------------------------------------------------------


def keyset_batches(qs, fields: tuple[str, ...], batch_size: int) -> Iterator[list[dict]]:
    """Rows of ``qs`` (as dicts of ``fields``, which include "id") in id order, a batch at a
    time, without OFFSET."""
    last = 0
    while True:
        batch = list(qs.filter(id__gt=last).order_by("id").values(*fields)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


@dataclass
class CadreDue:
    """One cadre's due list in a quarter: [(entity id, name, visited)]."""

    cadre: dict
    entities: list[tuple[int, str, bool]] = field(default_factory=list)

    @property
    def unvisited(self) -> list[tuple[int, str, bool]]:
        return [e for e in self.entities if not e[2]]

    @property
    def visited(self) -> int:
        return sum(1 for e in self.entities if e[2])


def cadre_dues(quarter: Quarter, today: datetime.date, batch_size: int) -> Iterator[list]:
    """Per batch of cadres, those with something due in ``quarter`` (by the rules of
    ``inspections.quarters``): one query for the cadres, one for their due lists."""
    day = quarter.reference_day(today)
    cadres = Cadre.objects.all()
    if day == today:
        cadres = cadres.filter(status=CadreStatus.ACTIVE)
    fields = ("id", "name", "division_id", "division__parent_id")
    for batch in keyset_batches(cadres, fields, batch_size):
        dues = {c["id"]: CadreDue(c) for c in batch}
        held = Assignment.objects.filter(held_on(day), cadre_id__in=list(dues))
        if day == today:
            held = held.exclude(entity__status=EntityStatus.CLOSED)
        visited = Exists(Visit.objects.filter(entity=OuterRef("entity_id"), quarter=quarter.code))
        for cadre_id, entity_id, name, was_visited in (
            held.annotate(visited=visited)
            .values_list("cadre_id", "entity_id", "entity__name", "visited")
            .order_by("cadre_id", "entity__name", "entity_id")
        ):
            dues[cadre_id].entities.append((entity_id, name, was_visited))
        yield [d for d in dues.values() if d.entities]


def cadre_logins(cadre_ids, *, aides: bool = False) -> dict[int, list[User]]:
    """The logins of these cadres (and of their active aides), grouped by cadre, in one query."""
    condition = Q(cadre_id__in=cadre_ids)
    if aides:
        condition |= Q(aide__cadre_id__in=cadre_ids, aide__is_active=True)
    result: dict[int, list[User]] = {}
    for user in recipients_queryset().filter(condition).order_by("id"):
        result.setdefault(user.cadre_id or user.aide.cadre_id, []).append(user)
    return result


def office_users(division_filter: Q) -> list[User]:
    return list(
        recipients_queryset()
        .filter(division_filter, is_active=True, role__in=sorted(OFFICE_ROLES))
        .select_related("division")
        .order_by("id")
    )


# --- what the jobs return and link to ----------------------------------------------------------


@dataclass
class JobResult:
    kind: str
    period: str | None  # None: today is not a sending day for this job
    messages: int = 0


def task_link(unvisited: list[tuple[int, str, bool]]) -> str:
    """The cadre's due list, or the visit form when a single business is left."""
    if len(unvisited) == 1:
        return f"{reverse('inspections:visit-new')}?entity={unvisited[0][0]}"
    return reverse("inspections:my")


@dataclass
class OfficeDigest:
    """What one office's digest collects while a job walks the batches."""

    due: int = 0
    visited: int = 0
    cadres: int = 0
    missed: int = 0
    lines: list[str] = field(default_factory=list)
    latest: datetime.date | None = None
