"""Reads for food businesses and zones, always narrowed to the user's scope first."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from entities.changes import holding_rules
from entities.models import Entity, EntityStatus, GradeChange, Zone


def access_entity(user, pk) -> Entity:
    """The entity with this id if the user may see it; 404 otherwise."""
    return get_object_or_404(
        Entity.objects.for_user(user).select_related("division", "zone"), pk=pk
    )


def access_zone(user, pk) -> Zone:
    return get_object_or_404(Zone.objects.for_user(user).select_related("division"), pk=pk)


def current_holding_prefetch(*, zones: bool = True) -> Prefetch | None:
    """Each business's open holding, with its cadre and (unless ``zones`` is false) the zone it
    is held through, as ``current_holdings`` (0 or 1 row): the holdings app's prefetch
    (``entities.changes``)."""
    return holding_rules().current_prefetch(zones=zones)


def _filtered(qs: QuerySet, filters) -> QuerySet:
    """Apply a bound FilterSet's valid choices to ``qs``; a refused choice (a zone or cadre outside
    the scope, a malformed value) shows nothing rather than everything."""
    if filters is None or not filters.is_bound:
        return qs
    if not filters.form.is_valid():
        return qs.none()
    return filters.filter_queryset(qs)


def entity_list(*, user, filters=None, holder_zones: bool = True) -> QuerySet[Entity]:
    """The businesses the user may see, narrowed by the list's ``EntityFilter``, with what the
    table shows (area, zone, current holder) fetched in two queries whatever the page size.
    ``holder_zones=False`` leaves out the zone each holding goes through (the table shows only
    that there is one: two joins fewer on each page of the list)."""
    qs = _filtered(Entity.objects.for_user(user), filters).select_related("division", "zone")
    prefetch = current_holding_prefetch(zones=holder_zones)
    return qs.prefetch_related(prefetch) if prefetch else qs


def entity_current_holding(*, user, entity: Entity):
    """The business's open holding as the user may see it, or None (``entities.changes``)."""
    return holding_rules().current_holding(user=user, entity=entity)


def entity_grade_changes(*, entity: Entity) -> QuerySet[GradeChange]:
    """The grade history of a business the caller has already fetched through ``access_entity``."""
    return entity.grade_changes.select_related("changed_by").order_by("-effective_date", "-id")


def zone_list(*, user, filters=None) -> QuerySet[Zone]:
    """The zones the user may see, with their number of open businesses and current holder."""
    qs = _filtered(Zone.objects.for_user(user), filters)
    qs = qs.select_related("division").annotate(
        business_count=Count("entities", filter=~Q(entities__status=EntityStatus.CLOSED))
    )
    prefetch = holding_rules().zone_current_prefetch()
    if prefetch:
        qs = qs.prefetch_related(prefetch)
    return qs.order_by("division__code", "name")


def zone_entities(*, user, zone: Zone) -> QuerySet[Entity]:
    """The businesses of a zone that the user may see, as the business list shows them."""
    return entity_list(user=user).filter(zone=zone)
