"""Fixtures shared by the test modules of this directory."""

import pytest

from tests.factories import AssignmentFactory


@pytest.fixture
def holding(db):
    # A village cadre holding a small restaurant since 2026-04-20.
    return AssignmentFactory()
