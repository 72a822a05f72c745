"""Enqueueing after commit, without ever failing what was committed: the transactional outbox.

A service that leaves work for a worker calls, inside its transaction::

    from baobao.outbox import outbox_enqueue

    outbox_enqueue(task="ledgers.tasks.export_run", args=[job.pk], kwargs={})

- An ``Outbox`` row is written in the caller's transaction: the work is recorded exactly when
  the data it needs is committed, and not at all if the transaction rolls back.
- After the commit, the task is sent to the broker BY NAME (``app.send_task``): services never
  import task modules (tasks import services, never the other way round). The task's queue comes
  from ``CELERY_TASK_ROUTES`` by the same name. A broker error (Redis down, a timeout) is caught
  and logged: the caller's request or command carries on, and the row stays unsent.
- ``outbox_flush`` (the periodic task ``baobao.tasks.outbox_flush``, every minute) sends the rows
  left unsent once the broker is back, and deletes sent rows after ``OUTBOX_KEEP``.

A task may therefore run twice (a send that reached the broker but whose "sent" mark did not
commit is sent again): every task must be safe to run twice, as the style guide asks anyway.

With eager Celery (no REDIS_URL: a laptop, most tests) no row is written and the task runs in
process after the commit, as ``task.delay()`` did.
"""

import datetime
import importlib
import logging

from django.db import transaction

from baobao import clock
from baobao.models import Outbox

logger = logging.getLogger(__name__)

# A row younger than this is left to its own on-commit send (which may be under way).
FLUSH_GRACE = datetime.timedelta(seconds=30)
FLUSH_BATCH = 500
OUTBOX_KEEP = datetime.timedelta(days=7)


def _app():
    from baobao.celery import app

    return app


def _run_eagerly(task: str, args: list, kwargs: dict) -> None:
    app = _app()
    if task not in app.tasks:
        importlib.import_module(task.rsplit(".", 1)[0])
    app.tasks[task].apply(args=args, kwargs=kwargs, throw=True)


def _send(task: str, args: list, kwargs: dict) -> None:
    """Hand one task to the broker, without Celery's own retries (the sweeper is the retry)."""
    _app().send_task(task, args=args, kwargs=kwargs, retry=False)


def outbox_enqueue(*, task: str, args: list | None = None, kwargs: dict | None = None) -> None:
    """Record ``task(*args, **kwargs)`` in the current transaction and send it after the commit;
    never raises a broker error into the caller. Arguments must be JSON-serialisable."""
    args, kwargs = list(args or []), dict(kwargs or {})
    if _app().conf.task_always_eager:
        transaction.on_commit(lambda: _run_eagerly(task, args, kwargs))
        return
    entry = Outbox.objects.create(task=task, args=args, kwargs=kwargs)
    transaction.on_commit(lambda: _send_entry(entry.pk, task, args, kwargs))


def _send_entry(pk: int, task: str, args: list, kwargs: dict) -> None:
    try:
        _send(task, args, kwargs)
    except Exception as exc:  # the broker is down or slow: the sweeper sends it later
        logger.warning("Broker unavailable, %s left in the outbox (#%s): %s", task, pk, exc)
        Outbox.objects.filter(pk=pk).update(attempts=1, last_error=_reason(exc))
        return
    Outbox.objects.filter(pk=pk).update(sent_at=clock.now(), attempts=1)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def outbox_flush(*, now: datetime.datetime) -> dict:
    """Send what the outbox still holds (identical tasks once), mark it sent, and delete rows
    sent more than ``OUTBOX_KEEP`` ago. Stops at the first broker error: the next run retries.
    Returns counts: sent, failed, deleted."""
    counts = {"sent": 0, "failed": 0, "deleted": 0}
    with transaction.atomic():
        rows = list(
            Outbox.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, created_at__lte=now - FLUSH_GRACE)
            .order_by("created_at", "id")[:FLUSH_BATCH]
        )
        groups: dict[tuple, list[Outbox]] = {}
        for row in rows:
            key = (row.task, repr(row.args), repr(sorted(row.kwargs.items())))
            groups.setdefault(key, []).append(row)
        for entries in groups.values():
            first = entries[0]
            ids = [entry.pk for entry in entries]
            try:
                _send(first.task, first.args, first.kwargs)
            except Exception as exc:
                logger.warning("Outbox flush: broker still unavailable: %s", exc)
                Outbox.objects.filter(pk__in=ids).update(last_error=_reason(exc))
                counts["failed"] += len(ids)
                break
            Outbox.objects.filter(pk__in=ids).update(sent_at=now)
            counts["sent"] += len(ids)
    counts["deleted"], _ = Outbox.objects.filter(sent_at__lt=now - OUTBOX_KEEP).delete()
    return counts
