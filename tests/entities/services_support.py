"""Helpers shared by the test_services_* test modules."""

from django.utils import timezone

from entities.models import BusinessType, Entity, Grade
from entities.services import entity_create
from tests.factories import valid_uscc, village

TODAY = timezone.localdate


def _create(by, **fields) -> Entity:
    data = {
        "name": "铜仁市碧江区好味餐馆",
        "business_type": BusinessType.CATERING,
        "grade": Grade.D,
        "division": village(),
        "uscc": valid_uscc(777001),
    } | fields
    return entity_create(by=by, **data)
