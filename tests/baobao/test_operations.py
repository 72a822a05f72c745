"""The machinery's own health: exactly one beat (two real beat processes → one set of ticks),
/healthz and /readyz with the check registry, the dead man's switch (banner and one message per
incident), the outbox when the broker is down, and the office's delivery log."""

import datetime
import json
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baobao import health
from baobao.celery import DAILY_RUNS
from baobao.deadman import BEAT, alarms_check, heartbeat_record, problems
from baobao.models import Alarm, Delivery, DeliveryStatus, Notification, NotificationKind, Outbox
from baobao.outbox import outbox_enqueue, outbox_flush
from tests.factories import admin_user, county, office_user
from tests.faults import CeleryProcess, celery_env, wait_for

NOW = datetime.datetime(2026, 5, 21, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Shanghai


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_cached_banner():
    """The banner's reading is cached for a minute: each test starts without one."""
    from django.core.cache import cache

    from baobao.deadman import CACHE_KEY

    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


# --- exactly one beat ------------------------------------------------------------------------


def _ticks(client) -> int:
    return sum(
        json.loads(raw)["headers"]["task"] == "baobao.tasks.beat_tick"
        for raw in client.lrange("default", 0, -1)
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_beats_give_one_set_of_ticks_and_the_second_takes_over(private_broker, tmp_path):
    # given two beat processes on the same broker, ticking every second
    env = celery_env(private_broker.url, BEAT_TICK_SECONDS=1, BEAT_LOCK_SECONDS=3)
    beats = [
        CeleryProcess(
            ["beat", "-l", "info", "--schedule", str(tmp_path / f"schedule{n}")],
            env,
            tmp_path / f"beat{n}.log",
        )
        for n in (1, 2)
    ]
    redis = private_broker.client()
    try:
        wait_for(lambda: _ticks(redis) >= 1, timeout=60, what="the first tick")
        # when they run side by side for six seconds
        before = _ticks(redis)
        time.sleep(6)
        during = _ticks(redis) - before
        # then there is one set of ticks (two beats would make about twelve)
        assert 4 <= during <= 8, during
        # when the beat holding the lock is killed
        leader = next(b for b in beats if "holds the lock: scheduling" in b.output())
        follower = next(b for b in beats if b is not leader)
        leader.kill()
        # then the other takes over once the lock expires
        after_kill = _ticks(redis)
        wait_for(lambda: _ticks(redis) >= after_kill + 3, timeout=45, what="the takeover")
        assert "holds the lock: scheduling" in follower.output()
    finally:
        for beat in beats:
            beat.stop()


# --- health endpoints ------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client):
    # no django_db mark: any query would raise here
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_check_and_fails_on_a_required_one(client, monkeypatch):
    # given the registered checks
    response = client.get("/readyz")
    body = response.json()
    # then database, cache, broker, beat and reminders are all reported
    assert {"database", "cache", "broker", "beat", "reminders", "replica"} <= set(body["checks"])
    # no replica configured: nothing to be wrong with
    assert body["checks"]["replica"] == {
        "ok": True,
        "required": False,
        "detail": "no replica configured",
    }
    assert body["checks"]["database"] == {"ok": True, "required": True, "detail": connection.vendor}
    # beat has never ticked here: reported, but not a reason to take the web process out
    assert body["checks"]["beat"]["ok"] is False and body["checks"]["beat"]["required"] is False
    assert response.status_code == 200 and body["status"] == "ok"

    # when another app registers a required check that fails
    def replica(now):
        raise ConnectionError("replica down")

    monkeypatch.setattr(health, "_checks", dict(health._checks))
    health.register_check("replica", replica, required=True)
    response = client.get("/readyz")
    # then readiness fails with the reason
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert "replica down" in response.json()["checks"]["replica"]["detail"]


# --- the dead man's switch -------------------------------------------------------------------


def _all_daily_runs_done(at):
    for name in DAILY_RUNS:
        heartbeat_record(name=name, now=at)


@pytest.mark.django_db
def test_problems_name_a_stale_beat_and_a_late_reminder_run(settings):
    settings.BEAT_STALE_MINUTES = 15
    settings.REMINDERS_LATE_HOURS = 2
    # given beat ticked at 09:00 and every daily run completed at 08:40 (Shanghai)
    heartbeat_record(name=BEAT, now=NOW)
    _all_daily_runs_done(NOW - datetime.timedelta(minutes=20))
    # then nothing is late at 09:14
    assert problems(now=NOW + datetime.timedelta(minutes=14)) == {}
    # at 09:16 beat is stale
    assert set(problems(now=NOW + datetime.timedelta(minutes=16))) == {BEAT}
    # the next day at 10:31, with beat ticking but no run completed, the 08:00 and 08:30 runs
    # are late
    next_day = NOW + datetime.timedelta(days=1, hours=1, minutes=31)
    heartbeat_record(name=BEAT, now=next_day)
    assert set(problems(now=next_day)) == set(DAILY_RUNS)
    # at 10:29 only the 08:00 runs are
    early = next_day - datetime.timedelta(minutes=2)
    heartbeat_record(name=BEAT, now=early)
    late = problems(now=early)
    assert late and all(DAILY_RUNS[name] == (8, 0) for name in late)


@pytest.mark.django_db
def test_the_administrator_sees_a_banner_and_gets_one_message_per_incident(client, settings):
    settings.DEADMAN_SWITCH = True
    admin = admin_user()
    office = office_user(county())
    heartbeat_record(name=BEAT, now=NOW - datetime.timedelta(hours=1))
    _all_daily_runs_done(NOW)
    # when the administrator opens pages while beat is an hour late
    client.force_login(admin)
    with time_machine.travel(NOW, tick=False):
        first = client.get(reverse("home"))
        second = client.get(reverse("notifications:inbox"))
    # then each page shows the banner, and one alarm and one message were raised
    for page in (first, second):
        assert "Celery beat" in page.content.decode()
    assert Alarm.objects.filter(name=BEAT, cleared_at__isnull=True).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.SYSTEM_ALARM).count() == 1
    assert Notification.objects.get(kind=NotificationKind.SYSTEM_ALARM).recipient == admin
    # and an office user sees no banner
    client.force_login(office)
    with time_machine.travel(NOW, tick=False):
        assert "Celery beat" not in client.get(reverse("home")).content.decode()
    # when beat ticks again, the alarm clears; a later stall is a new incident with a new message
    heartbeat_record(name=BEAT, now=NOW)
    alarms_check(now=NOW)
    assert Alarm.objects.get(name=BEAT).cleared_at == NOW
    later = NOW + datetime.timedelta(hours=1)
    alarms_check(now=later)
    alarms_check(now=later)
    assert Alarm.objects.filter(name=BEAT).count() == 2
    assert Notification.objects.filter(kind=NotificationKind.SYSTEM_ALARM).count() == 2


@pytest.mark.django_db
def test_beats_tick_records_the_heartbeat_and_clears_the_alarm(settings):
    from baobao.tasks import beat_tick

    # given an open alarm about beat, and the daily runs done
    settings.DEADMAN_SWITCH = True
    Alarm.objects.create(name=BEAT, message="stalled", raised_at=NOW)
    with time_machine.travel(NOW + datetime.timedelta(minutes=30), tick=False):
        _all_daily_runs_done(NOW)
        # when the tick runs (eagerly here)
        beat_tick.apply()
    # then the heartbeat is fresh and the alarm cleared
    assert problems(now=NOW + datetime.timedelta(minutes=31)) == {}
    assert Alarm.objects.get(name=BEAT).cleared_at is not None


@pytest.mark.django_db
def test_the_banner_costs_nothing_for_others_and_one_query_for_the_admin(rf, settings):
    from baobao.deadman import deadman_banner

    settings.DEADMAN_SWITCH = True
    heartbeat_record(name=BEAT, now=NOW)
    _all_daily_runs_done(NOW)
    request = rf.get("/")
    request.now = NOW
    request.user = office_user(county())
    assert deadman_banner(request) == {}
    request.user = admin_user()
    with CaptureQueriesContext(connection) as queries:
        assert dict(deadman_banner(request)["deadman_problems"]) == {}
    assert len(queries) == 1


# --- the outbox ------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_outbox_keeps_work_while_the_broker_is_down_and_the_sweeper_sends_it(private_broker):
    # given the broker is down
    private_broker.stop()
    # when a service records work: the call returns, the row stays unsent
    started = time.monotonic()
    outbox_enqueue(task="baobao.tasks.deliveries_send")
    outbox_enqueue(task="baobao.tasks.deliveries_send")
    took = time.monotonic() - started
    assert took < 3
    assert Outbox.objects.filter(sent_at__isnull=True).count() == 2
    assert "Connection refused" in Outbox.objects.first().last_error
    # when the sweeper runs while it is still down: nothing is lost
    later = Outbox.objects.first().created_at + datetime.timedelta(minutes=1)
    assert outbox_flush(now=later)["failed"] == 2
    # when the broker is back: identical tasks are sent once and both rows are marked sent
    private_broker.start()
    assert outbox_flush(now=later)["sent"] == 2
    assert not Outbox.objects.filter(sent_at__isnull=True).exists()
    queued = private_broker.client().lrange("deliveries", 0, -1)
    assert [json.loads(m)["headers"]["task"] for m in queued] == ["baobao.tasks.deliveries_send"]
    print(f"\nenqueue with the broker down returned in {took * 1000:.0f} ms (two calls)")


def test_no_services_module_imports_a_tasks_module():
    # services record work through the outbox by task name; tasks import services, never the
    # other way round (no import cycle, issue 19)
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    writers = [
        path
        for app in ("baobao", "entities", "cadres", "inspections", "ledgers")
        for path in (root / app).rglob("*.py")
        if "services" in path.parts[-1]
        or path.name in ("notifications.py", "outbox.py")
        or "services" in path.parts
    ]
    assert any(path.name == "notifications.py" for path in writers)
    pattern = re.compile(r"^\s*(from \S*tasks import|import \S*\.tasks\b)", re.M)
    offenders = [str(p.relative_to(root)) for p in writers if pattern.search(p.read_text())]
    assert offenders == []


# --- the delivery log ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_delivery_log_lists_the_areas_failures_and_retries_them(client):
    from baobao.notifications import notifications_send
    from tests.baobao.notifications_support import officer
    from tests.baobao.test_notifications_delivery import row

    # given a failed e-mail to someone in my county, and one in another county
    mine, theirs = officer(), officer()
    theirs.division = county(code="520603000000", name="万山区")
    theirs.email = "other@example.cn"
    theirs.save()
    notifications_send([row(mine, subject="a"), row(theirs, subject="b")], channels=["email"])
    Delivery.objects.update(status=DeliveryStatus.FAILED, last_error="SMTPConnectError: 连接被拒绝")
    my_delivery = Delivery.objects.get(notification__recipient=mine)
    their_delivery = Delivery.objects.get(notification__recipient=theirs)
    client.force_login(office_user(mine.division))
    # when the office opens its delivery log
    page = client.get(reverse("notifications:deliveries")).content.decode()
    # then it lists its own failure with the reason, not the other county's
    assert mine.email in page and "连接被拒绝" in page
    assert "other@example.cn" not in page
    # when it retries its own, and tries a foreign id
    retry = client.post(reverse("notifications:delivery-retry", args=[my_delivery.pk]))
    foreign = client.post(reverse("notifications:delivery-retry", args=[their_delivery.pk]))
    # then its own is due again with a fresh horizon, the foreign one is 404 and unchanged
    assert retry.status_code == 302 and foreign.status_code == 404
    my_delivery.refresh_from_db()
    their_delivery.refresh_from_db()
    assert my_delivery.status == DeliveryStatus.PENDING and my_delivery.retry_until is not None
    assert their_delivery.status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_the_delivery_log_is_for_the_office(client):
    from tests.factories import CadreFactory, cadre_user

    client.force_login(cadre_user(CadreFactory()))
    assert client.get(reverse("notifications:deliveries")).status_code == 403
