"""Spreadsheet import of entities, cadres and holdings: templates, reading, the dry run, the import.

The upload (``import_batch_create``) stores the file; a worker's check (``jobs``) reads it once,
stores the rows, and decides for every row: create, change, unchanged or refused (with the
column and the reason). Nothing is written but the batch. ``import_batch_apply`` (on a worker,
started by ``import_batch_apply_start``) plans the stored rows again against the registers as
they are now and writes the good
rows through the bulk services of ``entities.services`` and ``cadres.services``, which keep their
rules (grade history, one holder per business, adjustment rows). Existing rows are found by key in
chunks (``__in`` lookups), never a query per row.

``sheet``: columns, templates, reading; ``rows``: one planned row and the shared checks;
``plans``: the dry run per kind; ``guard``: the checks before parsing; ``workbooks``: the
template and the marked errors; ``enqueue``: handing a batch to a worker (through the outbox);
``jobs``: the worker's side and the sweeper; ``services``: the batch's create, apply and retry.
"""

from ledgers.imports.jobs import import_job_run, import_jobs_sweep
from ledgers.imports.services import (
    import_batch_apply,
    import_batch_apply_start,
    import_batch_create,
    import_batch_retry,
)
from ledgers.imports.sheet import FIELDS, Action, read_rows
from ledgers.imports.workbooks import import_errors_workbook, import_template

__all__ = [
    "FIELDS",
    "Action",
    "import_batch_apply",
    "import_batch_apply_start",
    "import_batch_create",
    "import_batch_retry",
    "import_errors_workbook",
    "import_job_run",
    "import_jobs_sweep",
    "import_template",
    "read_rows",
]
