"""Spreadsheet import of entities, cadres and holdings: templates, reading, the dry run, the import.

The dry run (``import_batch_create``) reads the sheet and decides for every row: create, change,
unchanged or refused (with the column and the reason). Nothing is written but the batch.
``import_batch_apply`` plans again against the registers as they are now and writes the good
rows through the bulk services of ``entities.services`` and ``cadres.services``, which keep their
rules (grade history, one holder per business, adjustment rows). Existing rows are found by key in
chunks (``__in`` lookups), never a query per row.

``sheet``: columns, templates, reading; ``rows``: one planned row and the shared checks;
``plans``: the dry run per kind; ``services``: the batch's create and apply.
"""

from ledgers.imports.services import import_batch_apply, import_batch_create
from ledgers.imports.sheet import FIELDS, Action, import_template, read_rows

__all__ = [
    "FIELDS",
    "Action",
    "import_batch_apply",
    "import_batch_create",
    "import_template",
    "read_rows",
]
