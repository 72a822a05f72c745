"""Writes for cadres, their aides and holdings. Every change of who holds what writes its
adjustment rows here, in the same transaction as the change itself."""

from cadres.services.assignments import (
    assignment_create,
    assignment_end,
    assignment_escalate,
    assignment_transfer,
    assignments_transfer_bulk,
)
from cadres.services.cadres import (
    aide_add,
    aide_remove,
    cadre_create,
    cadre_holdings_reassign,
    cadre_leave,
    cadre_update,
)
from cadres.services.common import CADRE_EDITABLE_FIELDS, level_fit
from cadres.services.handoffs import handoff_notify
from cadres.services.imports import HoldingChange, cadres_import_bulk, holdings_import_bulk
from cadres.services.zones import entity_zone_sync, zone_assign, zone_end, zone_transfer

__all__ = [
    "CADRE_EDITABLE_FIELDS",
    "HoldingChange",
    "aide_add",
    "aide_remove",
    "assignment_create",
    "assignment_end",
    "assignment_escalate",
    "assignment_transfer",
    "assignments_transfer_bulk",
    "cadre_create",
    "cadre_holdings_reassign",
    "cadre_leave",
    "cadre_update",
    "cadres_import_bulk",
    "entity_zone_sync",
    "handoff_notify",
    "holdings_import_bulk",
    "level_fit",
    "zone_assign",
    "zone_end",
    "zone_transfer",
]
