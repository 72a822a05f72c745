"""The reminder tasks, the beat schedule (when each entry next fires), the send_reminders
command, and a real Celery worker against Redis and PostgreSQL running a job end to end."""

import datetime
import io
import os
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.result import AsyncResult
from django.core.management import CommandError, call_command
from django.utils import timezone

from baobao import clock
from baobao.celery import app
from baobao.models import Level, Notification, NotificationKind
from inspections.models import PhotoStatus
from inspections.reminders import JOBS
from inspections.services import visit_record
from inspections.tasks import send_reminders
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_user,
    county,
    office_user,
    village,
)
from tests.helpers import jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_CI = os.environ.get("CI") == "true"
D = datetime.date


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# --- the beat schedule -----------------------------------------------------------------------


def next_fire(name: str, after: datetime.datetime) -> datetime.datetime:
    schedule = app.conf.beat_schedule[name]["schedule"]
    last_run_at, delta, _now = schedule.remaining_delta(after)
    return (last_run_at + delta).astimezone(SHANGHAI)


def test_every_reminder_job_has_one_beat_entry():
    # given the configured schedule, and the tasks a worker finds (autodiscovery)
    app.loader.import_default_modules()
    entries = app.conf.beat_schedule.values()
    kinds = [e["args"][0] for e in entries if e["task"] == "inspections.tasks.send_reminders"]
    # then each job is scheduled exactly once, and each task exists
    assert sorted(kinds) == sorted(JOBS)
    for entry in entries:
        assert entry["task"] in app.tasks


@pytest.mark.parametrize(
    ("name", "after", "expected"),
    [
        # the quarter's task: the evening before the quarter → 08:00 on its first day
        ("reminders-quarter-start", at(2026, 3, 31, 20, 0), at(2026, 4, 1, 8, 0)),
        # every day, also at weekends: Saturday 08:00 → Sunday 08:00
        ("reminders-in-quarter", at(2026, 5, 2, 8, 0), at(2026, 5, 3, 8, 0)),
        # the overdue warning: 30 June at noon → 1 July 08:30
        ("reminders-quarter-end-overdue", at(2026, 6, 30, 12, 0), at(2026, 7, 1, 8, 30)),
        ("reminders-issue-deadline-soon", at(2026, 5, 20, 8, 29), at(2026, 5, 20, 8, 30)),
        ("reminders-issue-overdue", at(2026, 5, 20, 8, 30), at(2026, 5, 21, 8, 30)),
        ("reminders-coverage-gap", at(2026, 12, 31, 23, 0), at(2027, 1, 1, 8, 30)),
        # deliveries: every five minutes
        ("notifications-deliver", at(2026, 5, 20, 8, 31), at(2026, 5, 20, 8, 35)),
        ("notifications-deliver", at(2026, 5, 20, 23, 58), at(2026, 5, 21, 0, 0)),
        # the ledgers' nightly housekeeping
        ("dashboards-quarter-figures", at(2026, 5, 20, 3, 0), at(2026, 5, 21, 3, 0)),
        ("exports-purge", at(2026, 5, 20, 2, 0), at(2026, 5, 20, 3, 30)),
    ],
)
def test_beat_entries_fire_at_the_documented_times(name, after, expected):
    assert next_fire(name, after) == expected


def test_beat_runs_in_shanghai_time():
    assert str(app.conf.timezone) == "Asia/Shanghai"


# --- the task --------------------------------------------------------------------------------


@pytest.fixture
def cadre_with_entity():
    cadre = CadreFactory(level=Level.VILLAGE)
    login = cadre_user(cadre)
    AssignmentFactory(
        entity=EntityFactory(division=village()), cadre=cadre, start_date=D(2026, 1, 1)
    )
    return login


@pytest.mark.django_db
def test_task_runs_the_job_for_today(cadre_with_entity):
    # given it is 08:00 on 1 April in Shanghai (still 31 March in UTC)
    with time_machine.travel(at(2026, 4, 1, 8, 0), tick=False):
        # when beat's task runs (eagerly here), twice
        first = send_reminders.apply(args=("quarter_start",)).get()
        second = send_reminders.apply(args=("quarter_start",)).get()
    # then the quarter's task went out once
    assert (first, second) == (1, 0)
    assert Notification.objects.get().kind == NotificationKind.QUARTER_START


# --- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_sends_what_is_due_on_the_given_day(cadre_with_entity):
    out = io.StringIO()
    # when
    call_command("send_reminders", "--today", "2026-04-01", stdout=out)
    # then every job reports; the quarter's task and the warning for Q1 (nothing visited) went out
    text = out.getvalue()
    assert "quarter_start" in text and "sent 1 messages" in text
    assert "in_quarter" in text and "not a sending day" in text
    assert sorted(
        Notification.objects.filter(recipient=cadre_with_entity).values_list("kind", flat=True)
    ) == [NotificationKind.QUARTER_END_OVERDUE, NotificationKind.QUARTER_START]


@pytest.mark.django_db
def test_command_dry_run_prints_and_writes_nothing(cadre_with_entity):
    out = io.StringIO()
    # when
    call_command(
        "send_reminders",
        "--kind",
        "quarter_start",
        "--today",
        "2026-04-01",
        "--dry-run",
        stdout=out,
    )
    # then who would get what is printed, and nothing is written
    text = out.getvalue()
    assert cadre_with_entity.username in text and "would send 1 messages" in text
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_command_runs_only_the_named_kinds(cadre_with_entity):
    out = io.StringIO()
    call_command(
        "send_reminders",
        "--kind",
        "in_quarter",
        "--kind",
        "coverage_gap",
        "--today",
        "2026-04-01",
        stdout=out,
    )
    text = out.getvalue()
    assert "in_quarter" in text and "coverage_gap" in text and "quarter_start" not in text
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "2026-13-01")
    assert not Notification.objects.exists()


def test_command_refuses_an_unknown_kind():
    with pytest.raises(CommandError):
        call_command("send_reminders", "--kind", "everything")


# --- a real worker ---------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_reminder_job_end_to_end(real_worker):

    import baobao.tasks  # noqa: F401  (registers the delivery task the job enqueues)

    # given an issue past its deadline, the cadre's login and the county office
    today = timezone.localdate()
    cadre = CadreFactory(level=Level.VILLAGE)
    login = cadre_user(cadre)
    office = office_user(county())
    visit = VisitFactory(assignment=AssignmentFactory(cadre=cadre))
    IssueFactory(visit=visit, deadline=today - datetime.timedelta(days=2))
    # when the job is sent through Redis to a real worker
    sent = send_reminders.delay(NotificationKind.ISSUE_OVERDUE)
    new = AsyncResult(sent.id, backend=real_worker).get(timeout=60)
    # then the worker wrote the warnings the inboxes show
    assert new == 2
    assert Notification.objects.get(recipient=login).kind == NotificationKind.ISSUE_OVERDUE
    assert Notification.objects.get(recipient=office).link == "/inspections/issues/"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_makes_a_submitted_visit_photo_ready(real_worker, settings):
    # given a cadre's visit submitted with a phone photo: the submit commits it processing
    holding = AssignmentFactory()
    visit, _ = visit_record(
        user=cadre_user(holding.cadre),
        entity=holding.entity,
        visited_at=clock.now() - datetime.timedelta(minutes=5),
        on_site=True,
        idempotency_key=uuid.uuid4(),
        photos=[jpeg(size=(2400, 1800))],
    )
    photo = visit.photos.get()
    assert photo.status == PhotoStatus.PROCESSING
    # when the after-commit send reaches a real worker through Redis
    deadline = time.monotonic() + 60
    while photo.status == PhotoStatus.PROCESSING and time.monotonic() < deadline:
        time.sleep(0.05)
        photo.refresh_from_db()
    # then the worker re-encoded it, stored the served copy and deleted the original
    assert photo.status == PhotoStatus.READY
    assert (photo.width, photo.height) == (1600, 1200)
    assert photo.image.name.startswith("visits/") and not photo.original
    # the original is deleted after the worker's commit, so the row may be read a moment before
    media = Path(settings.MEDIA_ROOT)

    def stored():
        return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())

    while stored() != [photo.image.name] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored() == [photo.image.name]
