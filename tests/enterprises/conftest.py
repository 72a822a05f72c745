import datetime

import pytest
import time_machine
from django.utils import timezone

from baobao.models import Role
from enterprises.models import Membership, Position
from tests.factories import UserFactory

# A Wednesday of March 2026: no public holiday in the weeks around it.
TODAY = datetime.date(2026, 3, 18)


@pytest.fixture
def pinned():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 18, 10, 0))
    with time_machine.travel(moment, tick=False):
        yield TODAY


def business_user(*entities, position=Position.OFFICER, **kwargs):
    user = UserFactory(role=Role.BUSINESS, division=None, **kwargs)
    for entity in entities:
        Membership.objects.create(user=user, entity=entity, position=position)
    return user
