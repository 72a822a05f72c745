"""Notifications: written exactly once (also by two runs at once on PostgreSQL), and delivered by e-mail and SMS with retries and backoff until sent or given up."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse

from baobao.models import Channel, Delivery, DeliveryStatus, Notification
from baobao.notifications import (
    NotificationRow,
    deliveries_send,
    notification_key,
    notifications_send,
    recipients_queryset,
    retry_delay,
)
from baobao.sms import BaseSmsBackend, SmsError
from tests.baobao.notifications_support import KIND, _fast_passwords, officer  # noqa: F401 (_fast_passwords is autouse)
from tests.factories import UserFactory, admin_user, county

NOW = datetime.datetime(2026, 5, 21, 8, 30, tzinfo=datetime.UTC)


class FailingSms(BaseSmsBackend):
    calls = 0

    def send(self, *, phone, text):
        type(self).calls += 1
        raise SmsError("gateway down")


class RecordingSms(BaseSmsBackend):
    sent: list = []

    def send(self, *, phone, text):
        type(self).sent.append((phone, text))


@pytest.fixture
def failing_sms(settings):
    FailingSms.calls = 0
    settings.SMS_BACKEND = "tests.baobao.test_notifications_delivery.FailingSms"
    return FailingSms


@pytest.fixture
def recording_sms(settings):
    RecordingSms.sent = []
    settings.SMS_BACKEND = "tests.baobao.test_notifications_delivery.RecordingSms"
    return RecordingSms


def row(user, subject="issue1", period="2026-05-20+0", title="整改逾期"):
    user = recipients_queryset().get(pk=user.pk)
    return NotificationRow(
        recipient=user,
        kind=KIND,
        title=title,
        body="甲店：后厨地面油污",
        link="/inspections/issues/1/",
        key=notification_key(KIND, user.pk, subject, period),
    )


# --- writing once ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_send_writes_the_message_and_one_delivery_per_channel():
    # given a user with an e-mail address and a phone
    user = officer()
    # when
    new = notifications_send([row(user)])
    # then the in-app row and an e-mail and an SMS delivery exist, due now
    (message,) = Notification.objects.filter(recipient=user)
    assert new == 1 and message.read_at is None
    assert sorted(message.deliveries.values_list("channel", "address", "status")) == [
        (Channel.EMAIL, "staff@example.cn", DeliveryStatus.PENDING),
        (Channel.SMS, "13900000001", DeliveryStatus.PENDING),
    ]


@pytest.mark.django_db
def test_sending_the_same_key_twice_writes_nothing_new():
    # given a message already written
    user = officer()
    notifications_send([row(user)])
    # when the same message (and a new one) are sent again
    new = notifications_send([row(user), row(user, period="2026-05-20+1")])
    # then only the new one is written, with its own deliveries
    assert new == 1
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 4


@pytest.mark.django_db
def test_users_without_address_or_inactive_get_only_the_in_app_row(settings):
    # given a user with neither e-mail nor phone, and an inactive one with both
    bare = UserFactory(division=county(), email="")
    inactive = officer(is_active=False)
    # when
    notifications_send([row(bare), row(inactive)])
    # then both have the message and no delivery is queued
    assert Notification.objects.count() == 2
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_channels_setting_limits_the_deliveries(settings):
    # given SMS turned off
    settings.NOTIFY_CHANNELS = ["email"]
    # when
    notifications_send([row(officer())])
    # then
    assert list(Delivery.objects.values_list("channel", flat=True)) == [Channel.EMAIL]


@pytest.mark.django_db
def test_sending_enqueues_delivery_after_commit(
    django_capture_on_commit_callbacks, recording_sms, monkeypatch
):
    # given eager Celery (no Redis), as on a laptop
    from baobao.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    user = officer()
    # when the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send([row(user)])
    # then both channels went out
    assert [m.to for m in mail.outbox] == [["staff@example.cn"]]
    assert "甲店" in mail.outbox[0].body and "/inspections/issues/1/" in mail.outbox[0].body
    assert recording_sms.sent[0][0] == "13900000001"
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_write_each_message_once():
    # given one user and twenty messages, sent by two threads with their own connections
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    user = officer()
    rows = [row(user, subject=f"issue{n}") for n in range(20)]
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(notifications_send(rows))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every message and every delivery exists exactly once, and the two runs between
    # them wrote each message once
    assert Notification.objects.count() == 20
    assert Delivery.objects.count() == 40
    assert sum(results) == 20


# --- delivering ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_failing_sms_is_retried_with_backoff_then_failed_at_the_horizon(failing_sms, settings):
    # given a message whose SMS gateway is down, 60 s base backoff, a 4-minute horizon
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    settings.NOTIFY_RETRY_HORIZON_HOURS = 4 / 60
    notifications_send([row(officer())], now=NOW)
    Delivery.objects.update(next_attempt_at=NOW)
    sms = Delivery.objects.get(channel=Channel.SMS)
    # when the delivery task runs at 08:30
    first = deliveries_send(now=NOW)
    sms.refresh_from_db()
    # then the e-mail is sent, the SMS failed and waits one minute
    assert first[DeliveryStatus.SENT] == 1 and first[DeliveryStatus.RETRYING] == 1
    assert sms.status == DeliveryStatus.RETRYING and sms.attempts == 1
    assert sms.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert "gateway down" in sms.last_error
    # when the task runs again before the backoff is over: nothing is tried
    assert deliveries_send(now=NOW + datetime.timedelta(seconds=59))[DeliveryStatus.RETRYING] == 0
    assert failing_sms.calls == 1
    # when it runs after one minute: second failure, two minutes' wait
    deliveries_send(now=NOW + datetime.timedelta(seconds=60))
    sms.refresh_from_db()
    assert sms.attempts == 2
    assert sms.next_attempt_at == NOW + datetime.timedelta(seconds=60 + 120)
    # when it runs after those two minutes: the next wait would pass the horizon: failed for
    # good, with the reason, and no further attempt
    deliveries_send(now=NOW + datetime.timedelta(seconds=180))
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.FAILED and sms.next_attempt_at is None
    assert "gateway down" in sms.last_error
    deliveries_send(now=NOW + datetime.timedelta(days=1))
    assert failing_sms.calls == 3
    # and the in-app message is still there, unread
    assert Notification.objects.get().read_at is None


def test_retry_delay_doubles_up_to_the_cap(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    settings.NOTIFY_RETRY_MAX_SECONDS = 200
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 40)] == [30, 60, 120, 200, 200]


@pytest.mark.django_db
def test_delivery_in_progress_is_not_picked_twice(recording_sms):
    # given a due SMS already claimed by a worker (its lease pushed it into the future)
    notifications_send([row(officer())])
    Delivery.objects.update(next_attempt_at=NOW + datetime.timedelta(minutes=10))
    # when another worker runs
    counts = deliveries_send(now=NOW)
    # then it sends nothing
    assert counts[DeliveryStatus.SENT] == 0 and not recording_sms.sent


@pytest.mark.django_db
def test_delivery_task_query_count_is_bounded(recording_sms, django_assert_max_num_queries):
    # given 30 messages with two deliveries each
    users = [officer() for _ in range(30)]
    notifications_send([row(u, subject=f"issue{u.pk}") for u in users])
    Delivery.objects.update(next_attempt_at=NOW)
    # when one batch of up to 100 is sent: the claim (savepoint, select for update, update,
    # fetch, release), and per delivery "sending" before the call and the outcome after it;
    # no query per message or user
    with django_assert_max_num_queries(5 + 2 * 60):
        counts = deliveries_send(now=NOW)
    # then
    assert counts[DeliveryStatus.SENT] == 60


@pytest.mark.django_db
def test_failed_delivery_is_listed_in_the_admin_and_retried_from_there(client, failing_sms):
    # given an SMS that failed for good
    notifications_send([row(officer())])
    Delivery.objects.filter(channel=Channel.SMS).update(
        status=DeliveryStatus.FAILED, attempts=5, last_error="SmsError: gateway down"
    )
    client.force_login(admin_user())
    # when the admin filters deliveries by status
    page = client.get(reverse("admin:baobao_delivery_changelist"), {"status__exact": "failed"})
    # then it is listed with its error
    assert page.status_code == 200
    assert b"gateway down" in page.content and b"13900000001" in page.content
    # when the admin chooses "retry now" for it
    sms = Delivery.objects.get(channel=Channel.SMS)
    client.post(
        reverse("admin:baobao_delivery_changelist"),
        {"action": "retry_now", "_selected_action": [sms.pk]},
    )
    # then it is due again with fresh attempts
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.PENDING and sms.attempts == 0
