"""Helpers shared by the test_selectors_overview_* test modules."""

from django.utils import timezone

from entities.models import Grade
from tests.factories import AssignmentFactory, EntityFactory, village

TODAY = timezone.localdate()


def hold(cadre, n, grade=Grade.D, division=None):
    """Give ``cadre`` ``n`` current holdings of businesses of ``grade``."""
    for _ in range(n):
        AssignmentFactory(
            cadre=cadre, entity=EntityFactory(grade=grade, division=division or village())
        )
