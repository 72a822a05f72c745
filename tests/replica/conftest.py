"""A real PostgreSQL primary and streaming standby for the tests in this folder.

They run in their own pytest invocation (``make test-replica``, which ``make test`` also runs;
``BAOBAO_REPLICA_TESTS=1`` lets tests/conftest.py collect them): the session builds the pair in a
temporary directory (tests/replica/cluster.py), points Django's ``default`` alias at the primary
and a ``replica`` alias at the standby, migrates the primary, and removes both at the end. No test
database of pytest-django is created, so nothing here wraps a test in a transaction: the standby
must see what the tests write, and each test makes its own rows.

In CI (CI=true) a machine without PostgreSQL's initdb is a failure, not a skip.
"""

import os

import environ
import pytest
from asgiref.local import Local
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from baobao import db_routers
from tests.replica.cluster import StandbyPair, pg_bin

DBNAME = "baobao_replica_test"


@pytest.fixture(scope="session")
def standby_pair():
    if pg_bin() is None:
        message = "PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with StandbyPair() as pair:
        pair.create_database(DBNAME)
        yield pair


def _alias(url: str, **options) -> dict:
    config = environ.Env.db_url_config(url)
    config.update(CONN_MAX_AGE=0, OPTIONS={"options": "-c jit=off", **options})
    return config


def _point_django_at(databases: dict) -> None:
    connections.close_all()
    settings.DATABASES = databases
    connections._settings = None
    connections.__dict__.pop("settings", None)
    connections._connections = Local(connections.thread_critical)


@pytest.fixture(scope="session")
def django_db_setup(standby_pair, django_db_blocker):
    """Instead of pytest-django's test database: the pair's primary, migrated, and its standby."""
    saved = settings.DATABASES
    _point_django_at(
        {
            "default": _alias(standby_pair.url(DBNAME)),
            "replica": _alias(standby_pair.url(DBNAME, standby=True), connect_timeout=2),
        }
    )
    with django_db_blocker.unblock():
        call_command("migrate", "--noinput", verbosity=0)
    standby_pair.wait_for_standby(DBNAME)
    yield
    _point_django_at(saved)


@pytest.fixture
def db(django_db_setup, django_db_blocker, settings):
    """The real databases, unblocked, with the replica's health forgotten before and after."""
    settings.REPLICA_CHECK_SECONDS = 60  # the tests say when to look again (forget())
    settings.REPLICA_MAX_LAG_SECONDS = 1
    db_routers._health.forget()
    with django_db_blocker.unblock():
        yield
    db_routers._health.forget()
