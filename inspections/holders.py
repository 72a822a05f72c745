"""Who a visit counts for: the cadre holding the business on the visit's day, logged by that
cadre (or their 协保员/联络员), or by a register-writing office user in scope on the holder's
behalf."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from baobao.scoping import require_register_writer
from cadres.models import Assignment, Cadre
from entities.models import Entity


def require_entity_in_scope(user, entity: Entity) -> None:
    """404 for a business the user cannot see, as a direct fetch would answer."""
    if not Entity.objects.for_user(user).filter(pk=entity.pk).exists():
        raise Http404


def _holds(cadre_id: int, entity: Entity, day: datetime.date) -> bool:
    """Did the cadre hold the business on ``day``? (start inclusive, end exclusive)"""
    return (
        Assignment.objects.filter(entity=entity, cadre_id=cadre_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .exists()
    )


def _holder_on(entity: Entity, day: datetime.date) -> int | None:
    return (
        Assignment.objects.filter(entity=entity, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .values_list("cadre_id", flat=True)
        .first()
    )


def _not_held(entity: Entity, day: datetime.date) -> ValidationError:
    return ValidationError(
        _("The cadre did not hold %(entity)s on %(day)s.") % {"entity": entity, "day": day},
        code="not_held",
    )


def visit_cadre(user, entity: Entity, day: datetime.date) -> Cadre:
    """The cadre the visit counts for; refuses a user who may not log it."""
    require_entity_in_scope(user, entity)
    if cadre_id := user.acting_cadre_id:
        if not _holds(cadre_id, entity, day):
            raise _not_held(entity, day)
        return Cadre.objects.get(pk=cadre_id)
    require_register_writer(user)
    cadre_id = _holder_on(entity, day)
    if cadre_id is None:
        raise _not_held(entity, day)
    return Cadre.objects.get(pk=cadre_id)
