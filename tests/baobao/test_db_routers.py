"""The read-replica router without a replica (the default): nothing changes.

The behaviour with a real streaming standby is tested in tests/replica (`make test-replica`)."""

import pytest
from django.conf import settings
from django.db import connections, router
from django.urls import reverse

from baobao import db_routers
from entities.models import Entity
from tests.factories import EntityFactory, county, office_user


def test_no_replica_alias_without_database_replica_url():
    assert "replica" not in settings.DATABASES
    assert "replica" not in connections.settings
    assert db_routers.replica_configured() is False


def test_every_read_and_write_goes_to_the_primary():
    with db_routers.replica_reads():
        assert router.db_for_read(Entity) == "default"
        assert router.db_for_write(Entity) == "default"
    assert db_routers.replica_usable() is False


def test_replica_status_without_a_replica_is_ready():
    assert db_routers.replica_status() == {
        "ok": True,
        "configured": False,
        "detail": "no replica configured",
    }


@pytest.mark.django_db
def test_opted_in_page_without_a_replica_sets_no_cookie(client):
    # given: a clerk and a business
    client.force_login(office_user(county()))
    entity = EntityFactory()
    # when: a write request, then an opted-in page
    posted = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    response = client.get(reverse("entities:list"))
    # then: no read-your-writes cookie (there is nothing to be behind), and the page is as always
    assert db_routers.STICKY_COOKIE not in posted.cookies
    assert response.status_code == 200
    assert entity.name in [row.record.name for row in response.context["table"].paginated_rows]
