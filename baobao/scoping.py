"""Scope: the one mechanism that narrows every queryset a user can reach.

Office staff see their division and everything below it; a cadre sees what they hold; a 协保员 or
联络员 sees what their cadre holds; the system admin sees everything; anyone else sees nothing.
Each model's ``objects.for_user(user)`` calls the matching function here, and views fetch single
objects through the ``access_*`` helpers of each app, which answer 404 outside the scope.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _


def _division_path(user) -> str | None:
    """The path prefix of an office user's scope, or None if the user has no division scope."""
    if user.is_office and user.division_id:
        return user.division.path
    return None


def _sees_all(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_system_admin


def scope_divisions(qs: QuerySet, user) -> QuerySet:
    if _sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if path := _division_path(user):
        return qs.filter(path__startswith=path)
    if user.division_id:
        return qs.filter(pk=user.division_id)
    return qs.none()


def _under(lookup: str) -> Callable[[str], Q]:
    """The rows whose division path (reached through ``lookup``) starts with a prefix."""
    return lambda prefix: Q(**{f"{lookup}__startswith": prefix})


def _scope(qs: QuerySet, user, *, area: Callable[[str], Q], cadre: Callable[[int], Q]) -> QuerySet:
    """The one rule behind every ``scope_*``: the admin sees all; office staff see ``area(their
    division's path)``; a cadre, 协保员 or 联络员 sees ``cadre(cadre_id)``; anyone else nothing.
    Rows of a business go through the business's own copy of its path
    (``Entity.division_path``), without a join to the divisions."""
    if _sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if prefix := _division_path(user):
        return qs.filter(area(prefix))
    if cadre_id := user.acting_cadre_id:
        return qs.filter(cadre(cadre_id))
    return qs.none()


def _holds(cadre_id: int) -> Q:
    """Entities (or zones) the cadre holds now."""
    return Q(assignments__cadre_id=cadre_id, assignments__end_date__isnull=True)


def scope_entities(qs: QuerySet, user) -> QuerySet:
    from entities.models import area_q

    return _scope(qs, user, area=area_q, cadre=_holds)


def scope_cadres(qs: QuerySet, user) -> QuerySet:
    return _scope(qs, user, area=_under("division__path"), cadre=lambda cadre_id: Q(pk=cadre_id))


def scope_zones(qs: QuerySet, user) -> QuerySet:
    return _scope(qs, user, area=_under("division__path"), cadre=_holds)


def scope_assignments(qs: QuerySet, user) -> QuerySet:
    return _scope(qs, user, area=_under("entity__division_path"), cadre=lambda c: Q(cadre_id=c))


def scope_adjustments(qs: QuerySet, user) -> QuerySet:
    return _scope(
        qs,
        user,
        area=_under("entity__division_path"),
        cadre=lambda c: Q(from_cadre_id=c) | Q(to_cadre_id=c),
    )


def scope_visits(qs: QuerySet, user) -> QuerySet:
    return _scope(qs, user, area=_under("entity__division_path"), cadre=lambda c: Q(cadre_id=c))


def _issue_of_cadre(cadre_id: int) -> Q:
    """Issues raised in the cadre's visits or on a business they hold now. Both sides are id
    subqueries on the issue's own columns: an OR across a join to the visits made PostgreSQL
    join every open issue of the province (220 ms on a cadre's phone page at province scale)."""
    from cadres.models import Assignment
    from inspections.models import Visit

    visits = Visit.objects.filter(cadre_id=cadre_id).values("pk")
    held = Assignment.objects.filter(cadre_id=cadre_id, end_date__isnull=True).values("entity_id")
    return Q(visit_id__in=visits) | Q(entity_id__in=held)


def scope_issues(qs: QuerySet, user) -> QuerySet:
    return _scope(qs, user, area=_under("entity__division_path"), cadre=_issue_of_cadre)


def require_register_writer(user) -> None:
    """Refuse (403) a user whose role may not change the registers."""
    if not (user.is_authenticated and user.is_active and user.can_write_registers):
        raise PermissionDenied(_("Your role may not change the registers."))


def require_division_in_scope(user, division) -> None:
    """Refuse (403) a write by ``user`` to something in ``division`` outside their scope.

    ``user`` None means the system itself (a management command or a task) and is allowed.
    """
    if user is None:
        return
    require_register_writer(user)
    if not division_in_scope(user, division):
        raise PermissionDenied(_("%(division)s is outside your area.") % {"division": division})


def division_in_scope(user, division) -> bool:
    """May ``user`` write to something in ``division``? The admin anywhere, others in their
    own division's subtree. (Read scoping is ``_scope``; this is the writers' side.)"""
    if user.is_system_admin:
        return True
    return bool(user.division_id and user.division.contains(division))


def scope_deliveries(qs: QuerySet, user) -> QuerySet:
    """E-mail and SMS deliveries: the office sees those to the people of its area (office staff
    of a division under it, and cadres, 协保员 and 联络员 whose cadre serves under it)."""
    recipient = "notification__recipient__"

    def area(prefix: str) -> Q:
        return (
            Q(**{f"{recipient}division__path__startswith": prefix})
            | Q(**{f"{recipient}cadre__division__path__startswith": prefix})
            | Q(**{f"{recipient}aide__cadre__division__path__startswith": prefix})
        )

    return _scope(qs, user, area=area, cadre=lambda cadre_id: Q(pk__in=[]))
