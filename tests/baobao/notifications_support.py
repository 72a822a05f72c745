"""Helpers shared by the test_notifications_* test modules."""

import pytest

from baobao.models import NotificationKind
from tests.factories import UserFactory, county

KIND = NotificationKind.ISSUE_OVERDUE


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def officer(**kwargs):
    return UserFactory(division=county(), email="staff@example.cn", phone="13900000001", **kwargs)
