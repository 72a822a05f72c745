import os

import pytest
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from django.db import connection

from baobao.celery import app as celery_app
from tests.factories import county, office_user

IN_CI = os.environ.get("CI") == "true"
# The queues the test worker consumes: every one settings.CELERY_TASK_QUEUES declares, so that
# housekeeping ("default") and the imports' jobs ("imports") both run.
WORKER_QUEUES = ["default", "reminders", "deliveries", "exports", "imports"]

# `pytest --as-of=2027-01-01`: the whole session on another day (tests/clock_shift.py).
pytest_plugins = ["tests.clock_shift"]

# tests/replica build their own PostgreSQL primary and standby and point Django at them: they run
# in their own pytest invocation (`make test-replica`, part of `make test`).
collect_ignore = [] if os.environ.get("BAOBAO_REPLICA_TESTS") == "1" else ["replica"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads in tests go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _require_redis_and_postgresql() -> str:
    """In CI both must be there (fail); locally skip without them."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI must set REDIS_URL (.ci/run does)")
        pytest.skip("REDIS_URL is not set")
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run the tests on PostgreSQL (DATABASE_URL)")
        pytest.skip("a worker thread needs PostgreSQL: SQLite's test database is in memory")
    return url


def _drop_connections() -> None:
    """Forget the broker connections and producers made under the previous settings, so that
    what the test sends goes where its worker listens."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def real_worker():
    """A real Celery worker (a thread of this process) consuming from the real Redis broker at
    REDIS_URL; tasks are sent there, not run eagerly. Use with ``django_db(transaction=True)``
    so the worker sees the test's rows. Yields a result backend on the same Redis."""
    url = _require_redis_and_postgresql()
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _drop_connections()
    # Tasks left in the queue by an earlier run must not run against this test's data.
    celery_app.control.purge()
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=30,
            queues=WORKER_QUEUES,
        ):
            # The app's own backend was set up before the switch to Redis (it is per thread).
            yield RedisBackend(app=celery_app, url=url)
    finally:
        celery_app.control.purge()
        celery_app.conf.update(saved)
        _drop_connections()


@pytest.fixture
def clerk(client):
    """The county office of 碧江区, logged in."""
    user = office_user(county())
    client.force_login(user)
    return user


@pytest.fixture
def private_broker(tmp_path):
    """A private redis-server (tests/faults.py) that this test may stop and start, set as the
    Celery broker of this process: what the code enqueues goes there, not to the shared Redis."""
    from tests.faults import PrivateRedis, require_postgresql

    require_postgresql()
    server = PrivateRedis(tmp_path).start()
    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    options = {**celery_app.conf.broker_transport_options, "socket_timeout": 2}
    celery_app.conf.update(
        broker_url=server.url, task_always_eager=False, broker_transport_options=options
    )
    _drop_connections()
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.update(saved)
        _drop_connections()
