"""Who held a business or a zone, and its rows of the adjustment ledger: the history sections of
the register's pages (``cadres/sections.py``)."""

from django.db.models import QuerySet

from cadres.models import Adjustment, Assignment, ZoneAssignment
from entities.models import Entity, Zone


def entity_assignments(*, user, entity: Entity) -> QuerySet[Assignment]:
    """Every holding of the business the user may see, newest first."""
    return (
        Assignment.objects.for_user(user)
        .filter(entity=entity)
        .select_related("cadre__division", "via_zone__zone")
        .order_by("-start_date", "-id")
    )


def entity_adjustments(*, user, entity: Entity) -> QuerySet[Adjustment]:
    """The business's rows of the adjustment ledger, newest first."""
    return (
        Adjustment.objects.for_user(user)
        .filter(entity=entity)
        .select_related("from_cadre", "to_cadre", "zone", "created_by")
        .order_by("-effective_date", "-id")
    )


def zone_past_holdings(*, zone: Zone) -> QuerySet[ZoneAssignment]:
    """The ended holdings of a zone fetched through ``access_zone``, newest first."""
    return (
        ZoneAssignment.objects.filter(zone=zone, end_date__isnull=False)
        .select_related("cadre__division")
        .order_by("-start_date", "-id")
    )
