"""A list's total (``baobao.keyset.list_total``): counted when the list fits on a page or the
planner expects few rows, the planner's estimate (rounded, "about") when it expects many, and
never a full COUNT of the table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao import keyset
from entities.models import Entity
from tests.factories import EntityFactory, county, office_user

pytestmark = pytest.mark.django_db


def _analyze():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE entities_entity")


def _list(client, monkeypatch, per_page):
    monkeypatch.setattr("entities.views.entities.PER_PAGE", per_page)
    client.force_login(office_user(county()))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("entities:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    # The list's queries: not the signed-in user's row, read with its unread count (baobao.auth).
    sqls = [q["sql"].upper() for q in ctx.captured_queries]
    return response, [sql for sql in sqls if 'AS "UNREAD_CAPPED"' not in sql]


def test_a_list_on_one_page_shows_its_own_row_count_without_counting(client, monkeypatch):
    for _ in range(4):
        EntityFactory()

    response, queries = _list(client, monkeypatch, per_page=10)

    assert response.context["pager"].total == keyset.Total(4)
    assert "共 4 条" in response.text
    assert not any("COUNT(" in sql or sql.startswith("EXPLAIN") for sql in queries)


def test_a_longer_list_with_few_rows_is_counted_exactly_up_to_the_limit(client, monkeypatch):
    for _ in range(7):
        EntityFactory()
    _analyze()

    response, queries = _list(client, monkeypatch, per_page=3)

    assert response.context["pager"].total == keyset.Total(7)
    assert "共 7 条" in response.text
    counts = [sql for sql in queries if "COUNT(" in sql]
    assert counts and all(" LIMIT 1001" in sql for sql in counts), counts


def test_many_rows_show_the_planners_estimate_or_more_than_the_limit(monkeypatch):
    monkeypatch.setattr(keyset, "EXACT_UP_TO", 5)
    for _ in range(40):
        EntityFactory()
    _analyze()

    total = keyset.list_total(Entity.objects.all())

    if connection.vendor == "postgresql":
        # ANALYZE read all 40 rows: the estimate is the count, labelled as an estimate
        assert total == keyset.Total(40, "about")
    else:
        assert total == keyset.Total(5, "over")


def test_estimates_are_rounded_to_two_figures():
    assert [keyset._rounded(n) for n in (7, 42, 987, 1_234_567)] == [7, 42, 990, 1_200_000]
