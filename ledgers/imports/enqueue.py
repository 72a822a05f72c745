"""Handing an import batch to a worker: the one place an import is enqueued, shared by the
services (upload, start, retry) and the sweeper (``jobs``)."""

from baobao.models import Outbox
from baobao.outbox import outbox_enqueue

IMPORT_TASK = "ledgers.tasks.import_run"


def import_job_enqueue(batch_id: int) -> None:
    """Hand a batch to the ``imports`` queue once the transaction commits, through the outbox
    (``baobao.outbox``): a broker that is down never fails the caller, the outbox's sweeper sends
    it later."""
    outbox_enqueue(task=IMPORT_TASK, args=[batch_id])


def import_jobs_unsent() -> set[int]:
    """Batches whose job still waits in the outbox (the broker was down): the outbox's sweeper
    sends them, so the imports sweeper does not add another row each minute."""
    rows = Outbox.objects.filter(task=IMPORT_TASK, sent_at__isnull=True).values_list(
        "args", flat=True
    )
    return {args[0] for args in rows if args}
