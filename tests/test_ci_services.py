"""CI runs against real PostgreSQL and Redis: these fail there, never skip, if either is missing.

Outside CI the database may be SQLite, and the Redis check runs only when REDIS_URL is set.
"""

import os

import pytest
import redis
from django.db import connection

IN_CI = os.environ.get("CI") == "true"

pytestmark = pytest.mark.services


@pytest.mark.skipif(not IN_CI, reason="outside CI the database may be SQLite")
def test_ci_database_is_postgresql():
    if not os.environ.get("DATABASE_URL"):
        pytest.fail("CI must set DATABASE_URL to a PostgreSQL database (.ci/run does)")
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
@pytest.mark.skipif(not IN_CI, reason="outside CI the database may be SQLite")
def test_ci_database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_redis_answers_ping():
    url = os.environ.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI must set REDIS_URL (.ci/run does)")
        pytest.skip("REDIS_URL is not set")
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()
