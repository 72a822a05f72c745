"""Reads for food businesses, always narrowed to the user's scope first."""

from django.shortcuts import get_object_or_404

from entities.models import Entity, Zone


def access_entity(user, pk) -> Entity:
    """The entity with this id if the user may see it; 404 otherwise."""
    return get_object_or_404(
        Entity.objects.for_user(user).select_related("division", "zone"), pk=pk
    )


def access_zone(user, pk) -> Zone:
    return get_object_or_404(Zone.objects.for_user(user).select_related("division"), pk=pk)
