"""Scope: the one mechanism that narrows every queryset a user can reach.

Office staff see their division and everything below it; a cadre sees what they hold; a 协保员 or
联络员 sees what their cadre holds; the system admin sees everything; anyone else sees nothing.
The rule lives here once and knows no app: each scoped model's queryset subclasses
``ScopedQuerySet`` beside the model and says only how a row reaches an area (``area_path``) and a
cadre (``cadre_fields``, or ``held`` for anything less direct). Views fetch single objects through
the ``access_*`` helpers of each app, which answer 404 outside the scope.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import models
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
    """The divisions themselves: an office its subtree, anyone else with a division that one."""
    if _sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if path := _division_path(user):
        return qs.filter(path__startswith=path)
    if user.division_id:
        return qs.filter(pk=user.division_id)
    return qs.none()


def _nothing(_user_id: int) -> Q:
    return Q(pk__in=[])


def _scope(
    qs: QuerySet,
    user,
    *,
    area: Callable[[str], Q],
    cadre: Callable[[int], Q],
    member: Callable[[int], Q] = _nothing,
) -> QuerySet:
    """The one rule behind every scoped queryset: the admin sees all; office staff see
    ``area(their division's path)``; a cadre, 协保员 or 联络员 sees ``cadre(cadre_id)``; a
    business user ``member(user_id)`` (their own business's rows, nothing unless the model says
    so); anyone else nothing."""
    if _sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if prefix := _division_path(user):
        return qs.filter(area(prefix))
    if cadre_id := user.acting_cadre_id:
        return qs.filter(cadre(cadre_id))
    if getattr(user, "is_business", False) and user.is_active:
        return qs.filter(member(user.pk))
    return qs.none()


class ScopedQuerySet(models.QuerySet):
    """The queryset of a scoped model. A subclass declares, beside its model:

    - ``area_path``: the lookup from a row to its division's path, e.g.
      ``"entity__division_path"`` (a business's rows go through the business's own copy of its
      path, without a join to the divisions); or it overrides ``area(prefix)``;
    - ``cadre_fields``: the lookups from a row to a cadre id, any one of which makes the row the
      cadre's, e.g. ``("cadre_id",)``; or it overrides ``held(cadre_id)``;
    - ``member(user_id)``: the rows of the businesses a business user works for; by default none
      (a business user sees nothing of the office's and the cadres' models).

    ``for_user`` then applies the one rule. Every subclass is listed in ``SCOPED_QUERYSETS`` so
    the scope tests can check that none is left out."""

    area_path: str = ""
    cadre_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        SCOPED_QUERYSETS.append(cls)

    @classmethod
    def area(cls, prefix: str) -> Q:
        """The rows in the area whose division path is ``prefix`` (that division and below)."""
        return Q(**{f"{cls.area_path}__startswith": prefix})

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        """The rows that belong to the cadre (and so to their 协保员 and 联络员)."""
        return reduce(or_, (Q(**{field: cadre_id}) for field in cls.cadre_fields))

    @classmethod
    def member(cls, user_id: int) -> Q:
        """The rows of the businesses the business user ``user_id`` works for: none unless the
        model is the business's own (the enterprises app's records)."""
        return _nothing(user_id)

    def for_user(self, user):
        return _scope(self, user, area=self.area, cadre=self.held, member=self.member)


SCOPED_QUERYSETS: list[type[ScopedQuerySet]] = []


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
