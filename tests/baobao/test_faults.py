"""Messages survive ordinary faults, with real parts: a Celery worker process SIGKILLed mid-send,
an SMTP server refusing connections for two hours, one that accepts and never answers, and
Redis stopped under the web pages and the reminder command (tests/faults.py)."""

import collections
import datetime
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from baobao import clock
from baobao.cache import cache_reset
from baobao.celery import app
from baobao.deadman import reminder_heartbeat
from baobao.models import Channel, Delivery, DeliveryStatus, Heartbeat, Level, Outbox
from baobao.notifications import (
    NotificationRow,
    deliveries_send,
    notification_key,
    notifications_send,
    recipients_queryset,
)
from baobao.outbox import outbox_flush
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    IssueFactory,
    UserFactory,
    VisitFactory,
    county,
    office_user,
)
from tests.faults import SmtpSink, celery_env, spare_port, wait_for, wait_ready, worker

PAST = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def emails(n: int, *, now=None) -> list[str]:
    """``n`` users with an address and one e-mail delivery each, due since long ago."""
    users = [UserFactory(division=county(), email=f"u{i}@example.cn") for i in range(n)]
    rows = [
        NotificationRow(
            recipient=recipients_queryset().get(pk=user.pk),
            kind="issue_overdue",
            title="整改逾期",
            body="甲店",
            link="",
            key=notification_key("issue_overdue", user.pk, "x", "p"),
        )
        for user in users
    ]
    notifications_send(rows, now=now, channels=[Channel.EMAIL])
    Delivery.objects.update(next_attempt_at=now or PAST)
    return [user.email for user in users]


def smtp_env(broker, sink, **extra) -> dict:
    return celery_env(
        broker.url,
        EMAIL_BACKEND=SMTP,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=sink.port,
        **extra,
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_redelivered_and_duplicates_at_most_one(
    private_broker, tmp_path
):
    # given six e-mails due, and an SMTP server that takes the third one and never answers
    emails(6)
    addresses = list(Delivery.objects.order_by("id").values_list("address", flat=True))
    sink = SmtpSink().start()
    sink.hold = {addresses[2]}
    env = smtp_env(
        private_broker,
        sink,
        EMAIL_TIMEOUT=30,
        CELERY_VISIBILITY_TIMEOUT=3,
        CELERY_RESTORE_INTERVAL=1,
        NOTIFY_SENDING_LEASE_SECONDS=1,
    )
    first = worker(env, tmp_path / "w1.log", queues="deliveries", name="w1")
    second = None
    try:
        wait_ready(first)
        # when the delivery task runs and the worker is SIGKILLed while the third is in flight
        app.send_task("baobao.tasks.deliveries_send")
        assert sink.holding.wait(30), first.output()[-2000:]
        first.kill()
        killed = time.monotonic()
        sink.hold = set()
        # then the database says which one was in flight
        assert Delivery.objects.filter(status=DeliveryStatus.SENDING).count() == 1
        assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
        # when another worker starts: the lost task comes back after the visibility timeout
        second = worker(env, tmp_path / "w2.log", queues="deliveries", name="w2")
        wait_for(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 6,
            timeout=45,
            what="every e-mail sent after the redelivery",
        )
        redelivered_after = time.monotonic() - killed
    finally:
        first.stop()
        if second:
            second.stop()
        sink.stop()
    # then every address got its e-mail, and at most the one in flight got it twice
    counts = collections.Counter(sink.received)
    assert set(counts) == set(addresses)
    assert sum(counts.values()) - len(addresses) <= 1
    assert counts[addresses[2]] <= 2 and all(counts[a] == 1 for a in addresses if a != addresses[2])
    print(f"\nredelivered and complete {redelivered_after:.1f} s after SIGKILL")
    assert redelivered_after < 30


@pytest.mark.django_db
def test_smtp_refusing_for_two_hours_then_every_email_goes_out_once(settings):
    # given five e-mails written at 08:30 and an SMTP port nobody listens on (refused)
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = spare_port()
    settings.EMAIL_TIMEOUT = 2
    start = datetime.datetime(2026, 5, 21, 0, 30, tzinfo=datetime.UTC)
    addresses = emails(5, now=start)
    step = datetime.timedelta(minutes=5)  # beat's delivery entry
    now = start
    # when the delivery task runs every five minutes for two hours
    while now < start + datetime.timedelta(hours=2):
        deliveries_send(now=now)
        now += step
    # then nothing is sent, nothing is given up, each waits for its next try; after three
    # refusals in a row a run hands the rest back untried
    statuses = set(Delivery.objects.values_list("status", flat=True))
    assert statuses == {DeliveryStatus.RETRYING}
    assert all(
        "Connection refused" in e for e in Delivery.objects.values_list("last_error", flat=True)
    )
    attempts = list(Delivery.objects.values_list("attempts", flat=True))
    assert all(3 <= n <= 8 for n in attempts), attempts  # backoff: 1, 2, 4, … min, not every run
    # when the server comes back on the same port
    sink = SmtpSink(port=settings.EMAIL_PORT).start()
    try:
        back = now
        while Delivery.objects.exclude(status=DeliveryStatus.SENT).exists():
            assert now - back <= datetime.timedelta(hours=1, minutes=5), "backoff over the cap"
            deliveries_send(now=now)
            now += step
    finally:
        sink.stop()
    # then every e-mail went out exactly once
    assert sorted(sink.received) == sorted(addresses)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_hung_smtp_server_times_out_and_reminder_jobs_still_run(private_broker, tmp_path):
    # given five e-mails due, an SMTP server that accepts and never answers, and a worker on
    # each of the deliveries and reminders queues
    emails(5)
    sink = SmtpSink(mode="hang").start()
    env = smtp_env(private_broker, sink, EMAIL_TIMEOUT=1)
    deliveries = worker(env, tmp_path / "d.log", queues="deliveries", name="d")
    reminders = worker(env, tmp_path / "r.log", queues="reminders", name="r")
    try:
        wait_ready(deliveries)
        wait_ready(reminders)
        # when the delivery task and a reminder job are enqueued
        started = time.monotonic()
        app.send_task("baobao.tasks.deliveries_send")
        app.send_task("inspections.tasks.send_reminders", args=["issue_overdue"])
        # then the reminder job completes while the deliveries hang
        wait_for(
            lambda: Heartbeat.objects.filter(name=reminder_heartbeat("issue_overdue")).exists(),
            timeout=20,
            what="the reminder job",
        )

        # and three e-mails give up after the timeout; the channel is then considered down
        # for this run, and the other two are handed back untried, for their next backoff
        def settled():
            tried = Delivery.objects.filter(status=DeliveryStatus.RETRYING, attempts=1)
            untried = Delivery.objects.filter(attempts=0, last_error__contains="timed out")
            return tried.count() == 3 and untried.count() == 2

        wait_for(settled, timeout=60, what="the deliveries to time out")
        elapsed = time.monotonic() - started
    finally:
        deliveries.stop()
        reminders.stop()
        sink.stop()
    assert all("timed out" in e for e in Delivery.objects.values_list("last_error", flat=True))
    print(f"\n5 deliveries to a hung SMTP server settled in {elapsed:.1f} s (EMAIL_TIMEOUT=1)")
    assert elapsed < 15


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_stopped_pages_and_the_reminder_command_carry_on_and_mail_follows(
    private_broker, tmp_path, client, settings
):
    # given the cache and the broker on a Redis that is then stopped
    settings.CACHES = {
        "default": {
            "BACKEND": "baobao.cache.FallbackRedisCache",
            "LOCATION": private_broker.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.NOTIFY_CHANNELS = ["email"]
    office = office_user(county(), email="office@example.cn")
    office.set_password("pw-12345")
    office.save()
    private_broker.stop()
    cache_reset()
    try:
        # when the office logs in and opens the dashboard
        login = client.post(reverse("login"), {"username": office.username, "password": "pw-12345"})
        assert login.status_code == 302
        started = time.monotonic()
        page = client.get(reverse("dashboard:index"), {"division": office.division_id})
        took = time.monotonic() - started
        # then the page is there, from the database, and says the cache is unavailable
        assert page.status_code == 200
        assert "缓存不可用" in page.content.decode()
        assert took < 5
        # when the reminder command runs with an issue past its deadline
        today = clock.today()
        visit = VisitFactory(assignment=AssignmentFactory(cadre=CadreFactory(level=Level.VILLAGE)))
        IssueFactory(visit=visit, deadline=today - datetime.timedelta(days=2))
        call_command("send_reminders", "--today", today.isoformat(), "--kind", "issue_overdue")
        # then it completed, and the delivery waits in the outbox
        assert Heartbeat.objects.filter(name=reminder_heartbeat("issue_overdue")).exists()
        assert Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
        assert Outbox.objects.filter(sent_at__isnull=True).exists()
        # (the worker process runs on the real clock, this one may be shifted by --as-of)
        Delivery.objects.update(next_attempt_at=PAST)
    finally:
        cache_reset()
    # when Redis is back, a worker runs and the outbox sweeper runs
    private_broker.start()
    sink = SmtpSink().start()
    env = smtp_env(private_broker, sink, EMAIL_TIMEOUT=5)
    deliveries = worker(env, tmp_path / "d.log", queues="deliveries,default", name="d")
    try:
        wait_ready(deliveries)
        flushed = outbox_flush(now=clock.read() + datetime.timedelta(minutes=1))
        assert flushed["sent"] >= 1
        wait_for(
            lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(),
            timeout=20,
            what="the e-mails to go out",
        )
    finally:
        deliveries.stop()
        sink.stop()
    # then the messages went out, once each
    addresses = list(Delivery.objects.values_list("address", flat=True))
    assert sorted(sink.received) == sorted(addresses) and addresses
