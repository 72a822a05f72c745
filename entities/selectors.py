"""Reads for food businesses and zones, always narrowed to the user's scope first."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cadres.models import Adjustment, Assignment, ZoneAssignment
from entities.models import Entity, EntityStatus, GradeChange, Zone


def access_entity(user, pk) -> Entity:
    """The entity with this id if the user may see it; 404 otherwise."""
    return get_object_or_404(
        Entity.objects.for_user(user).select_related("division", "zone"), pk=pk
    )


def access_zone(user, pk) -> Zone:
    return get_object_or_404(Zone.objects.for_user(user).select_related("division"), pk=pk)


def current_holding_prefetch() -> Prefetch:
    """Each business's open holding, with its cadre and zone, as ``current_holdings`` (0 or 1 row)."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.current().select_related("cadre__division", "via_zone__zone"),
        to_attr="current_holdings",
    )


def _filtered(qs: QuerySet, filters) -> QuerySet:
    """Apply a bound FilterSet's valid choices to ``qs``; a refused choice (a zone or cadre outside
    the scope, a malformed value) shows nothing rather than everything."""
    if filters is None or not filters.is_bound:
        return qs
    if not filters.form.is_valid():
        return qs.none()
    return filters.filter_queryset(qs)


def entity_list(*, user, filters=None) -> QuerySet[Entity]:
    """The businesses the user may see, narrowed by the list's ``EntityFilter``, with what the
    table shows (area, zone, current holder) fetched in two queries whatever the page size."""
    qs = _filtered(Entity.objects.for_user(user), filters)
    return qs.select_related("division", "zone").prefetch_related(current_holding_prefetch())


def entity_current_holding(*, user, entity: Entity) -> Assignment | None:
    return (
        Assignment.objects.for_user(user)
        .current()
        .filter(entity=entity)
        .select_related("cadre__division", "via_zone__zone")
        .first()
    )


def entity_assignments(*, user, entity: Entity) -> QuerySet[Assignment]:
    """Every holding of the business the user may see, newest first."""
    return (
        Assignment.objects.for_user(user)
        .filter(entity=entity)
        .select_related("cadre__division", "via_zone__zone")
        .order_by("-start_date", "-id")
    )


def entity_grade_changes(*, entity: Entity) -> QuerySet[GradeChange]:
    """The grade history of a business the caller has already fetched through ``access_entity``."""
    return entity.grade_changes.select_related("changed_by").order_by("-effective_date", "-id")


def entity_adjustments(*, user, entity: Entity) -> QuerySet[Adjustment]:
    """The business's rows of the adjustment ledger, newest first."""
    return (
        Adjustment.objects.for_user(user)
        .filter(entity=entity)
        .select_related("from_cadre", "to_cadre", "zone", "created_by")
        .order_by("-effective_date", "-id")
    )


def zone_list(*, user, filters=None) -> QuerySet[Zone]:
    """The zones the user may see, with their number of open businesses and current holder."""
    qs = _filtered(Zone.objects.for_user(user), filters)
    return (
        qs.select_related("division")
        .annotate(business_count=Count("entities", filter=~Q(entities__status=EntityStatus.CLOSED)))
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ZoneAssignment.objects.filter(end_date__isnull=True).select_related(
                    "cadre__division"
                ),
                to_attr="current_holdings",
            )
        )
        .order_by("division__code", "name")
    )


def zone_current_holding(*, zone: Zone) -> ZoneAssignment | None:
    """The open holding of a zone the caller has already fetched through ``access_zone``."""
    return (
        ZoneAssignment.objects.filter(zone=zone, end_date__isnull=True)
        .select_related("cadre__division")
        .first()
    )


def zone_past_holdings(*, zone: Zone) -> QuerySet[ZoneAssignment]:
    """The ended holdings of a zone fetched through ``access_zone``, newest first."""
    return (
        ZoneAssignment.objects.filter(zone=zone, end_date__isnull=False)
        .select_related("cadre__division")
        .order_by("-start_date", "-id")
    )


def zone_entities(*, user, zone: Zone) -> QuerySet[Entity]:
    """The businesses of a zone that the user may see, as the business list shows them."""
    return entity_list(user=user).filter(zone=zone)
