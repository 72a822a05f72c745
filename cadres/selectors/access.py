"""Fetching one cadre or holding by id: scoped, 404 otherwise."""

from django.shortcuts import get_object_or_404

from cadres.models import Assignment, Cadre


def access_cadre(user, pk) -> Cadre:
    """The cadre with this id if the user may see them; 404 otherwise."""
    return get_object_or_404(Cadre.objects.for_user(user).select_related("division"), pk=pk)


def access_assignment(user, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.for_user(user).select_related("entity__division", "cadre__division"),
        pk=pk,
    )
