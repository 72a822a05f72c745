"""The import sweeper (``import_jobs_sweep``) and an upload while the broker is down: waiting
batches are handed to the broker again, batches whose worker's lease ran out are ended with a
reason the page shows, and a broker that refuses connections never fails the upload."""

import datetime
import logging
import socket
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from baobao import outbox
from baobao.celery import app as celery_app
from baobao.models import Outbox
from baobao.outbox import outbox_flush
from ledgers.imports import import_batch_apply_start, import_jobs_sweep
from ledgers.imports.enqueue import IMPORT_TASK
from ledgers.models import ImportBatch, ImportStatus
from tests.conftest import _drop_connections
from tests.factories import county, office_user, valid_uscc, village
from tests.ledgers.test_imports import _entity_row, _upload

NOW = timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 30))


def _batch(user, status, *, queued_ago=None, lease_in=None, **kwargs) -> ImportBatch:
    return ImportBatch.objects.create(
        user=user,
        kind="entities",
        original_name=f"{status}.xlsx",
        status=status,
        queued_at=None if queued_ago is None else NOW - datetime.timedelta(seconds=queued_ago),
        lease_until=None if lease_in is None else NOW + datetime.timedelta(seconds=lease_in),
        **kwargs,
    )


@pytest.fixture
def sent(monkeypatch):
    """The batch ids the outbox hands to the broker (the task is not run)."""
    ids = []

    def send(task, args, kwargs):
        assert task == IMPORT_TASK
        ids.append(args[0])

    monkeypatch.setattr(outbox, "_send", send)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    return ids


@pytest.mark.django_db
def test_sweeper_resends_only_what_waited_too_long(
    settings, sent, django_capture_on_commit_callbacks
):
    # given batches waiting a little and a lot, one import waiting for a worker, one held
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 60
    user = office_user(county())
    old = _batch(user, ImportStatus.PENDING, queued_ago=61)
    fresh = _batch(user, ImportStatus.PENDING, queued_ago=59)
    old_import = _batch(user, ImportStatus.IMPORTING, queued_ago=300)
    held_import = _batch(user, ImportStatus.IMPORTING, queued_ago=300, lease_in=600)
    held_check = _batch(user, ImportStatus.CHECKING, queued_ago=300, lease_in=600)
    done = _batch(user, ImportStatus.CHECKED, queued_ago=300)
    # when the sweeper runs
    with django_capture_on_commit_callbacks(execute=True):
        result = import_jobs_sweep(now=NOW)
    # then the two waiting too long are sent again (once each) and stamped with now
    assert sorted(sent) == sorted([old.pk, old_import.pk])
    assert result == {"requeued": 2, "failed": 0, "reopened": 0}
    stamps = dict(ImportBatch.objects.values_list("pk", "queued_at"))
    assert stamps[old.pk] == stamps[old_import.pk] == NOW
    for untouched in (fresh, held_import, held_check, done):
        assert stamps[untouched.pk] == untouched.queued_at
    # and a sweep a second later sends nothing (the fresh one has waited exactly 60 s)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs_sweep(now=NOW + datetime.timedelta(seconds=1))
    assert sent == []
    # and one two seconds later sends only the fresh one
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs_sweep(now=NOW + datetime.timedelta(seconds=2))
    assert sent == [fresh.pk]


@pytest.mark.django_db
def test_a_check_whose_lease_expired_fails_with_the_reason_on_its_page(client, sent):
    # given two checks: one whose worker stopped renewing its lease, one still alive
    user = office_user(county())
    dead = _batch(user, ImportStatus.CHECKING, queued_ago=3600, lease_in=-1, rows_read=2000)
    alive = _batch(user, ImportStatus.CHECKING, queued_ago=3600, lease_in=1)
    # when the sweeper runs
    result = import_jobs_sweep(now=NOW)
    # then the dead one failed with a reason, the live one is still being checked
    assert result == {"requeued": 0, "failed": 1, "reopened": 0}
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ImportStatus.FAILED and dead.lease_until is None
    assert dead.error == "检查被中断（后台任务已停止），请重试。"
    assert alive.status == ImportStatus.CHECKING
    assert sent == []
    # and the page shows the reason and offers to check again, without reloading itself
    client.force_login(user)
    page = client.get(reverse("ledgers:import-batch", args=[dead.pk])).content.decode()
    assert "检查被中断（后台任务已停止），请重试。" in page
    assert reverse("ledgers:import-retry", args=[dead.pk]) in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db
def test_an_import_whose_lease_expired_goes_back_to_checked_and_can_start_again(client, sent):
    # given an import whose worker died while it held the batch
    user = office_user(county())
    counts = {"create": 3, "change": 0, "unchanged": 0, "refused": 0}
    dead = _batch(
        user, ImportStatus.IMPORTING, queued_ago=3600, lease_in=-60, counts=counts, mode="all"
    )
    # when the sweeper runs
    result = import_jobs_sweep(now=NOW)
    # then it is checked again (its transaction never committed), with the reason on its page
    assert result == {"requeued": 0, "failed": 0, "reopened": 1}
    dead.refresh_from_db()
    assert dead.status == ImportStatus.CHECKED and dead.lease_until is None
    assert dead.error == "导入被中断，未导入任何数据，请重试。"
    client.force_login(user)
    page = client.get(reverse("ledgers:import-batch", args=[dead.pk])).content.decode()
    assert "导入被中断，未导入任何数据，请重试。" in page
    # and it can be started again
    with time_machine.travel(NOW, tick=False):
        started = import_batch_apply_start(batch=dead, mode="all", by=user)
    assert started.status == ImportStatus.IMPORTING and started.error == ""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    """The Celery broker is a Redis URL on a port nothing listens on; tasks are sent, not run."""
    keys = ("broker_url", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False
    )
    _drop_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _drop_connections()


@pytest.mark.django_db(transaction=True)
def test_an_upload_while_the_broker_is_down_waits_in_the_outbox(
    client, broker_down, caplog, monkeypatch
):
    # given a clerk, and a broker nobody answers on; the outbox's log is captured directly (an
    # earlier test's logging configuration may stop it reaching the root logger)
    monkeypatch.setattr(outbox.logger, "handlers", [*outbox.logger.handlers, caplog.handler])
    monkeypatch.setattr(outbox.logger, "level", logging.WARNING)
    user = office_user(county())
    village()
    client.force_login(user)
    upload = _upload("entities", [_entity_row(uscc=valid_uscc(424242))])
    # when the sheet is uploaded
    with time_machine.travel(NOW, tick=False):
        started = time.monotonic()
        response = client.post(reverse("ledgers:import"), {"kind": "entities", "file": upload})
        seconds = time.monotonic() - started
    # then the request succeeds (the batch is committed), the failure is only logged
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:import-batch", args=[batch.pk])
    assert seconds < 10
    assert batch.status == ImportStatus.PENDING and batch.queued_at == NOW
    assert any("left in the outbox" in r.getMessage() for r in caplog.records)
    # and the job waits in the outbox, unsent, for this batch only
    assert list(Outbox.objects.filter(sent_at__isnull=True).values_list("task", "args")) == [
        (IMPORT_TASK, [batch.pk])
    ]
    # and the imports sweeper, while the broker is still down, neither raises, nor ends the
    # batch, nor adds a second outbox row (the outbox's own sweeper sends the first)
    later = NOW + datetime.timedelta(minutes=2)
    assert import_jobs_sweep(now=later) == {"requeued": 0, "failed": 0, "reopened": 0}
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PENDING
    assert Outbox.objects.count() == 1
    # when the broker is back (the task runs here, as a worker would) and the outbox is flushed
    from ledgers.tasks import import_run

    monkeypatch.setattr(outbox, "_send", lambda task, args, kwargs: import_run.run(*args))
    with time_machine.travel(later, tick=False):
        flushed = outbox_flush(now=later)
    # then the check ran: the batch is checked with its one row to create
    batch.refresh_from_db()
    assert flushed["sent"] == 1
    assert batch.status == ImportStatus.CHECKED
    assert batch.counts == {"create": 1, "change": 0, "unchanged": 0, "refused": 0}
