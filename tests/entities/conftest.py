"""Fixtures shared by the test modules of this directory."""

import pytest

from tests.factories import county, office_user


@pytest.fixture
def office():
    return office_user(county())
