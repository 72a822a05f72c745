import pytest

from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    admin_user,
    aide_user,
    cadre_user,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db


def test_factories_build_a_consistent_holding():
    # given a holding built by the factories
    assignment = AssignmentFactory()
    # then its cadre fits the entity's grade and covers its division
    assert assignment.cadre.level == assignment.entity.required_level
    assert assignment.cadre.division.contains(assignment.entity.division)


def test_user_factories_satisfy_the_role_constraints():
    aide = CadreAideFactory()
    users = [office_user(county()), cadre_user(aide.cadre), aide_user(aide), admin_user()]
    assert [u.acting_cadre_id for u in users] == [None, aide.cadre_id, aide.cadre_id, None]
