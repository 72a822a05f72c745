"""Helpers shared by the test_views_office_* test modules."""

from tests.factories import AssignmentFactory, EntityFactory, VisitFactory, wanshan_village


def wanshan_visit():
    entity = EntityFactory(division=wanshan_village())
    return VisitFactory(assignment=AssignmentFactory(entity=entity))
