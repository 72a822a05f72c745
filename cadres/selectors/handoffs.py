"""Hand-offs (待上级安排包保): open businesses whose grade needs a holder of a level only a higher
office can arrange, and who have none that fits. A county office cannot give a grade A business to
a city-level cadre: such a business waits for the city office (a grade B one registered by a
township waits for the county). Read from the register itself (grade, holdings), so a hand-off
ends the moment the higher office assigns a holder, and an escalation (提级包保) already recorded,
a holder at or above the level required, is never one.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils.translation import gettext_lazy as _

from baobao.models import PATH_DIGITS, Level
from cadres.models import Assignment, CadreStatus
from entities.models import GRADE_LEVEL, Entity, EntityStatus, GradeChange

OPEN_STATUSES = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)
# The offices that arrange holders, and what their lower offices read while they wait.
HANDOFF_LABELS = {
    Level.CITY: _("Awaiting a city-level holder"),  # 待市级安排包保
    Level.COUNTY: _("Awaiting a county-level holder"),  # 待县级安排包保
    Level.TOWNSHIP: _("Awaiting a township-level holder"),  # 待乡级安排包保
}


def _current(**filters) -> QuerySet[Assignment]:
    return Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True, **filters)


def _needs_holder(level: Level) -> Q:
    """Businesses whose grade needs ``level`` and that nobody in post of that level or above
    holds: unheld, held by a cadre who left, or held by one below it (after a regrade)."""
    fits = _current(cadre__status=CadreStatus.ACTIVE, cadre__division__level__lte=level)
    grades = [grade for grade, needed in GRADE_LEVEL.items() if needed == level]
    return Q(grade__in=grades) & ~Exists(fits)


def _waiting_since():
    """When the wait began: the grading that asked for the level, or the end of the last
    holding, whichever came later (the registration day when neither is recorded)."""
    last_grading = GradeChange.objects.filter(entity=OuterRef("pk")).order_by("-effective_date")
    last_end = Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=False)
    registered = TruncDate("created_at")
    return Greatest(
        Coalesce(Subquery(last_grading.values("effective_date")[:1]), registered),
        Coalesce(Subquery(last_end.order_by("-end_date").values("end_date")[:1]), registered),
    )


def _handoffs(*, user, levels) -> QuerySet[Entity]:
    q = Q(pk__in=[])
    for level in levels:
        q |= _needs_holder(level)
    holding = _current().order_by("-start_date")
    return (
        Entity.objects.for_user(user)
        .filter(q, status__in=OPEN_STATUSES)
        .annotate(
            waiting_since=_waiting_since(),
            holding_id=Subquery(holding.values("pk")[:1]),
            holder_name=Subquery(holding.values("cadre__name")[:1]),
        )
        .select_related("division")
    )


def office_level(user) -> Level | None:
    """The level of the office ``user`` works in; None for the system administrator (and for a
    write made by no one, such as a command's)."""
    if user is not None and user.is_office and user.division_id:
        return Level(user.division.level)
    return None


def handoff_queue(*, user) -> QuerySet[Entity]:
    """The hand-offs waiting for the user's own office, longest-waiting first. A province office
    and the administrator see those waiting for the cities."""
    level = office_level(user)
    if level is None or level not in HANDOFF_LABELS:
        level = Level.CITY
    return _handoffs(user=user, levels=[level]).order_by("waiting_since", "name", "pk")


def handoffs_passed_up(*, user) -> QuerySet[Entity]:
    """Businesses in the user's area waiting for a higher office to arrange their holder."""
    level = office_level(user)
    above = [lvl for lvl in HANDOFF_LABELS if level is not None and lvl < level]
    return _handoffs(user=user, levels=above).order_by("waiting_since", "name", "pk")


@dataclass(frozen=True)
class HandOff:
    level: Level
    since: datetime.date
    days: int

    @property
    def label(self) -> str:
        return HANDOFF_LABELS[self.level]


def entity_handoff(*, entity: Entity, today: datetime.date) -> HandOff | None:
    """The hand-off a business is waiting in, if its grade needs a higher office's holder and it
    has none that fits; None otherwise (one query)."""
    level = entity.required_level
    if level not in HANDOFF_LABELS or entity.status not in OPEN_STATUSES:
        return None
    # ``entity`` was fetched through the user's scope already (access_entity).
    since = (
        Entity.objects.filter(_needs_holder(level), pk=entity.pk)
        .values_list(_waiting_since(), flat=True)
        .first()
    )
    if since is None:
        return None
    return HandOff(level=level, since=since, days=(today - since).days)


def handoff_office_path(entity: Entity) -> str | None:
    """The path of the division whose office arranges this business's holder."""
    level = entity.required_level
    if level not in HANDOFF_LABELS:
        return None
    return entity.division_path[: PATH_DIGITS[level]]


__all__ = [
    "HANDOFF_LABELS",
    "HandOff",
    "entity_handoff",
    "handoff_office_path",
    "handoff_queue",
    "handoffs_passed_up",
    "office_level",
]
