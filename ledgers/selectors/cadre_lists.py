"""A cadre's three lists (三清单) behind their commitment letter (承诺书): the 责任清单 (the
businesses held now, with grade, address, duties and visits due per quarter), the 任务清单 (this
quarter's businesses due, their last visit and the day the visit is due by) and the 整改清单
(open issues of the businesses held, with their deadlines). Three queries per cadre; an area's
cadres are read one after the other, so a county's file never holds them all at once."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from baobao.batches import batched
from baobao.models import Division
from cadres.models import Assignment, Cadre, CadreStatus
from entities.models import EntityStatus
from inspections.models import Issue, IssueStatus
from inspections.quarters import Quarter
from inspections.selectors import due_entities

# 每季度至少督导1次 (全年4次及以上): the rule every holding carries.
VISITS_PER_QUARTER = 1
AREA_BATCH = 100


@dataclass
class CadreLists:
    cadre: Cadre
    quarter: Quarter
    today: datetime.date
    responsibilities: list[Assignment]
    tasks: list  # Entities with ``visited`` and ``last_visit_at``
    rectifications: list[Issue]

    @property
    def due_by(self) -> datetime.date:
        return self.quarter.last_day


def cadre_responsibilities(*, cadre: Cadre) -> QuerySet[Assignment]:
    """责任清单: the cadre's current holdings of open businesses, highest grade first."""
    return (
        Assignment.objects.filter(cadre=cadre, end_date__isnull=True)
        .exclude(entity__status=EntityStatus.CLOSED)
        .select_related("entity__division", "via_zone__zone")
        .order_by("entity__grade", "entity__name", "pk")
    )


def cadre_rectifications(*, cadre: Cadre) -> QuerySet[Issue]:
    """整改清单: issues not closed (销号) of the businesses the cadre holds, soonest deadline
    first."""
    held = Assignment.objects.filter(entity=OuterRef("entity"), cadre=cadre, end_date__isnull=True)
    return (
        Issue.objects.filter(Exists(held))
        .exclude(status=IssueStatus.CLOSED)
        .select_related("entity")
        .order_by("deadline", "pk")
    )


def cadre_lists(*, cadre: Cadre, today: datetime.date) -> CadreLists:
    """The three lists of one cadre (already fetched through the user's scope) on ``today``."""
    quarter = Quarter.of(today)
    return CadreLists(
        cadre=cadre,
        quarter=quarter,
        today=today,
        responsibilities=list(cadre_responsibilities(cadre=cadre)),
        tasks=list(due_entities(cadre=cadre, quarter=quarter, today=today)),
        rectifications=list(cadre_rectifications(cadre=cadre)),
    )


def area_cadres(*, user, division: Division) -> QuerySet[Cadre]:
    """The cadres in post of ``division``'s area that the user's scope holds, by level, area
    and name."""
    return (
        Cadre.objects.for_user(user)
        .filter(status=CadreStatus.ACTIVE, division__path__startswith=division.path)
        .select_related("division")
        .order_by("division__level", "division__path", "name", "pk")
    )


def area_cadre_lists(*, user, division: Division, today: datetime.date) -> Iterator[CadreLists]:
    """Each cadre's lists in turn, the cadres read in batches by id (memory stays flat)."""
    cadres = area_cadres(user=user, division=division)
    ids = list(cadres.values_list("pk", flat=True))
    for chunk in batched(ids, AREA_BATCH):
        batch = {c.pk: c for c in cadres.filter(pk__in=chunk)}
        for pk in chunk:
            yield cadre_lists(cadre=batch[pk], today=today)
