"""Notifications: the inbox and the header's unread count."""

import datetime

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baobao.context_processors import unread_notifications
from baobao.models import Notification
from tests.baobao.notifications_support import KIND, _fast_passwords, officer  # noqa: F401 (_fast_passwords is autouse)

# --- the inbox -------------------------------------------------------------------------------


def _messages(user, n):
    stamp = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=KIND,
                title=f"消息{i}",
                body="内容",
                link=f"/inspections/issues/{i}/",
                key=f"test:{user.pk}:{i}",
                created_at=stamp + datetime.timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )
    return list(Notification.objects.filter(recipient=user).order_by("-created_at"))


@pytest.mark.django_db
def test_inbox_lists_own_messages_newest_first_with_unread_bold(client):
    # given two users with messages
    me, other = officer(), officer()
    mine = _messages(me, 3)
    _messages(other, 2)
    mine[1].read_at = timezone.now()
    mine[1].save()
    client.force_login(me)
    # when
    page = client.get(reverse("notifications:inbox"))
    # then only my three, newest first, the unread ones in bold
    text = page.content.decode()
    assert page.status_code == 200
    assert [r.pk for r in page.context["rows"]] == [m.pk for m in mine]
    assert "<strong>消息2</strong>" in text and "<strong>消息1</strong>" not in text
    assert "消息1" in text


@pytest.mark.django_db
def test_inbox_pages_by_keyset_without_offset(client):
    # given 65 messages
    me = officer()
    mine = _messages(me, 65)
    client.force_login(me)
    # when reading the pages one after the other
    first = client.get(reverse("notifications:inbox"))
    second = client.get(reverse("notifications:inbox"), {"before": first.context["next_before"]})
    with CaptureQueriesContext(connection) as queries:
        third = client.get(
            reverse("notifications:inbox"), {"before": second.context["next_before"]}
        )
    # then every message appears once, in order, and the last page has no "older" link
    pages = [first, second, third]
    assert [r.pk for p in pages for r in p.context["rows"]] == [m.pk for m in mine]
    assert third.context["next_before"] is None
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "OFFSET" not in sql and len(queries.captured_queries) <= 6


@pytest.mark.django_db
def test_inbox_before_someone_elses_id_shows_nothing(client):
    # given another user's message id as the cursor
    me, other = officer(), officer()
    _messages(me, 2)
    theirs = _messages(other, 1)[0]
    client.force_login(me)
    # when
    page = client.get(reverse("notifications:inbox"), {"before": theirs.pk})
    # then
    assert page.status_code == 200 and page.context["rows"] == []


@pytest.mark.django_db
def test_open_marks_read_and_goes_to_the_settling_page(client):
    me = officer()
    message = _messages(me, 1)[0]
    client.force_login(me)
    # when
    response = client.get(reverse("notifications:open", args=[message.pk]))
    # then
    message.refresh_from_db()
    assert response.status_code == 302 and response.url == "/inspections/issues/0/"
    assert message.read_at is not None


@pytest.mark.django_db
def test_open_refuses_a_link_to_another_site(client):
    # given a message whose link is not a local path
    me = officer()
    message = _messages(me, 1)[0]
    Notification.objects.filter(pk=message.pk).update(link="//evil.example.com/")
    client.force_login(me)
    # when
    response = client.get(reverse("notifications:open", args=[message.pk]))
    # then the user lands on the inbox
    assert response.url == reverse("notifications:inbox")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["notifications:open", "notifications:read"])
def test_someone_elses_message_is_404(client, name):
    # given another user's message
    me, other = officer(), officer()
    theirs = _messages(other, 1)[0]
    client.force_login(me)
    # when I open it or mark it read by a forged id
    response = (client.get if name.endswith("open") else client.post)(
        reverse(name, args=[theirs.pk])
    )
    # then 404, and it stays unread
    theirs.refresh_from_db()
    assert response.status_code == 404 and theirs.read_at is None


@pytest.mark.django_db
def test_mark_one_read_and_mark_all_read(client):
    me, other = officer(), officer()
    _first, second, _third = _messages(me, 3)
    theirs = _messages(other, 1)[0]
    client.force_login(me)
    # when marking one read
    client.post(reverse("notifications:read", args=[second.pk]))
    # then only that one
    assert list(Notification.objects.filter(recipient=me, read_at__isnull=False)) == [second]
    # when marking all read
    response = client.post(reverse("notifications:read-all"))
    # then all of mine, none of theirs
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_mark_read_needs_post_and_a_login(client):
    me = officer()
    message = _messages(me, 1)[0]
    # when anonymous
    assert client.get(reverse("notifications:inbox")).status_code == 302
    assert client.post(reverse("notifications:read-all")).status_code == 302
    client.force_login(me)
    # when by GET
    assert client.get(reverse("notifications:read", args=[message.pk])).status_code == 405
    assert client.get(reverse("notifications:read-all")).status_code == 405


# --- the header's unread count ---------------------------------------------------------------


@pytest.mark.django_db
def test_header_shows_unread_count_in_one_query(client, rf, django_assert_num_queries):
    # given three unread messages
    me = officer()
    _messages(me, 3)
    request = rf.get("/")
    request.user = me
    # when the count is printed
    with django_assert_num_queries(1):
        assert str(unread_notifications(request)["unread_notifications"]) == "3"
    # and on a page, in the header
    client.force_login(me)
    page = client.get(reverse("notifications:inbox"))
    assert '<span class="badge">3</span>' in page.content.decode()


@pytest.mark.django_db
def test_header_count_is_capped(rf):
    # given 120 unread messages
    me = officer()
    _messages(me, 120)
    request = rf.get("/")
    request.user = me
    # then
    assert str(unread_notifications(request)["unread_notifications"]) == "99+"


@pytest.mark.django_db
def test_header_count_is_empty_when_all_read(rf):
    me = officer()
    _messages(me, 2)
    Notification.objects.update(read_at=timezone.now())
    request = rf.get("/")
    request.user = me
    assert not unread_notifications(request)["unread_notifications"]


@pytest.mark.django_db
@pytest.mark.parametrize(("unread", "shown"), [(3, "3"), (120, "99+"), (0, "")])
def test_the_signed_in_user_comes_with_division_and_unread_count_in_one_query(
    client, unread, shown
):
    # given a signed-in officer with unread messages (and one read)
    me = officer()
    _messages(me, unread + 1)
    first = Notification.objects.order_by("id").first()
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    client.force_login(me)
    page = client.get(reverse("notifications:inbox"))
    # when a request's user is read from its session (baobao.auth.UserBackend)
    request = page.wsgi_request
    with CaptureQueriesContext(connection) as ctx:
        user = get_user(request)
        request.user = user
        division = user.division.path
        count = str(unread_notifications(request)["unread_notifications"])
    # then the user, their division and the header's count are one query
    assert len(ctx.captured_queries) == 1
    assert division == me.division.path
    assert count == shown
    # and the header shows the count
    assert (f'<span class="badge">{shown}</span>' in page.content.decode()) == bool(shown)
