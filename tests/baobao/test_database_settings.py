"""Connection settings the pages' speed depends on."""

import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is PostgreSQL's")
@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    # JIT compiled an office page's counts for longer than they then ran (baobao/settings/)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
