"""The ledgers (the five 五本台账 and the businesses' 主体责任落实台账) as read models: for a scope division and a period, each yields plain
tuples in the exported column order, from one ``values_list`` query with its joins and counts
done in SQL, read in chunks through a cursor planned for every row (``common.read_all``) so memory
stays flat whatever the size.

Division names at each level come from one query over the division table of the scope (the root's
ancestors and its subtree) kept in a dict by path: divisions are few (a province has about 30,000
against up to a million businesses), so one small query replaces a correlated lookup per row and
per level. Per-row details that would multiply rows in a join (a cadre's aides, a visit's
problems) are read in one query per chunk of rows. Labels are looked up once per ledger.
"""

from ledgers.selectors.adjustments import adjustment_ledger_queryset, adjustment_ledger_rows
from ledgers.selectors.common import Period, bounded_count
from ledgers.selectors.issues import issue_ledger_queryset, issue_ledger_rows
from ledgers.selectors.registers import (
    cadre_ledger_queryset,
    cadre_ledger_rows,
    entity_ledger_queryset,
    entity_ledger_rows,
)
from ledgers.selectors.self_records import self_record_ledger_queryset, self_record_ledger_rows
from ledgers.selectors.visits import visit_ledger_queryset, visit_ledger_rows

__all__ = [
    "Period",
    "adjustment_ledger_queryset",
    "adjustment_ledger_rows",
    "bounded_count",
    "cadre_ledger_queryset",
    "cadre_ledger_rows",
    "entity_ledger_queryset",
    "entity_ledger_rows",
    "issue_ledger_queryset",
    "issue_ledger_rows",
    "self_record_ledger_queryset",
    "self_record_ledger_rows",
    "visit_ledger_queryset",
    "visit_ledger_rows",
]
