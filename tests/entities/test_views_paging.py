"""The business list pages by seeking (``baobao.keyset``): next, previous and first page links
carry a cursor, never an OFFSET or a COUNT, in every order the table offers."""

import re
from html import unescape

import pytest
from django.urls import reverse

from entities.models import Grade
from entities.views.common import PER_PAGE
from tests.entities.views_support import listed
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def link(response, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', response.content.decode())
    return reverse("entities:list") + unescape(found.group(1)) if found else None


@pytest.fixture
def shops():
    """Two pages and a bit; several share a name, so the id must break the ties."""
    names = [f"店{n // 2:03d}" for n in range(2 * PER_PAGE + 7)]
    for n, name in enumerate(names):
        EntityFactory(name=name, grade=Grade.C if n % 3 else Grade.D)
    return sorted(names)


def test_next_and_previous_walk_the_whole_list_once_in_order(client, clerk, shops):
    # when the clerk follows "next" from the first page to the last
    response = client.get(reverse("entities:list"))
    seen, pages = listed(response), [response]
    while nxt := link(response, "next"):
        response = client.get(nxt)
        seen += listed(response)
        pages.append(response)
    # then every business is shown once, in name order, a full page at a time
    assert seen == shops
    assert [len(listed(p)) for p in pages] == [PER_PAGE, PER_PAGE, 7]
    assert link(pages[0], "prev") is None and link(pages[0], "first") is None
    # and "previous" from the last page goes back to the same pages
    back = client.get(link(pages[-1], "prev"))
    assert listed(back) == listed(pages[1])
    back = client.get(link(back, "prev"))
    assert listed(back) == listed(pages[0])
    assert link(back, "prev") is None
    # and "first page" is offered from a later page
    assert listed(client.get(link(pages[2], "first"))) == listed(pages[0])


def test_a_sorted_list_pages_in_its_own_order(client, clerk, shops):
    # given the list sorted by grade, descending
    url = reverse("entities:list") + "?sort=-grade"
    response = client.get(url)
    rows = list(response.context["table"].paginated_rows)
    while nxt := link(response, "next"):
        assert "sort=-grade" in nxt
        response = client.get(nxt)
        rows += list(response.context["table"].paginated_rows)
    # then the pages together are the whole list in that order (grade, then name, then id)
    keys = [(r.record.grade, r.record.name, r.record.pk) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert sorted(name for _grade, name, _pk in keys) == shops


def test_a_cursor_of_another_order_or_a_forged_one_starts_at_the_first_page(client, clerk, shops):
    url = reverse("entities:list")
    second = link(client.get(url), "next")
    cursor = second.split("after=")[1]
    # a cursor made for the name order, used after re-sorting by grade: the first page by grade
    regraded = client.get(url, {"sort": "grade", "after": cursor})
    assert listed(regraded) == listed(client.get(url, {"sort": "grade"}))
    # a cursor that is not one: the first page, not an error
    for forged in ("xyz", "eyJvIjogWyJuYW1lIl19", "!!!", "e30"):
        response = client.get(url, {"after": forged})
        assert response.status_code == 200
        assert listed(response) == shops[:PER_PAGE]


def test_a_page_is_read_as_its_ids_then_their_rows_without_offset_or_count(
    client, clerk, shops, django_assert_max_num_queries
):
    second = link(client.get(reverse("entities:list")), "next")
    # nine (the session, the user with their division, the zone options, the page's ids, then
    # their rows, their holders, the area chooser), and the list's total: the planner's estimate
    # and, for a short list, a bounded count
    with django_assert_max_num_queries(9) as captured:
        response = client.get(second)
    assert len(listed(response)) == PER_PAGE
    for query in captured.captured_queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql, sql
        if 'AS "UNREAD_CAPPED"' in sql:
            continue  # the signed-in user's row and unread count (baobao.auth)
        bounded = sql.startswith("SELECT COUNT(*) FROM (SELECT") and " LIMIT 1001)" in sql
        assert "COUNT(" not in sql or bounded, sql
