"""Cadres (包保干部), their 协保员/联络员, holdings (包保关系) and the adjustment ledger (动态调整台账)
(``register``), and the running counts their services keep (``tallies``)."""

from cadres.models.register import (
    ASSISTANT_LEVELS,
    MAX_ASSISTANTS,
    MAX_LIAISONS,
    Adjustment,
    AdjustmentKind,
    AdjustmentQuerySet,
    AideKind,
    Assignment,
    AssignmentQuerySet,
    Cadre,
    CadreAide,
    CadreQuerySet,
    CadreStatus,
    ZoneAssignment,
    commitment_upload_to,
)
from cadres.models.tallies import CadreLoad, HoldingMark, HoldingTally, LoadTally

__all__ = [
    "ASSISTANT_LEVELS",
    "MAX_ASSISTANTS",
    "MAX_LIAISONS",
    "Adjustment",
    "AdjustmentKind",
    "AdjustmentQuerySet",
    "AideKind",
    "Assignment",
    "AssignmentQuerySet",
    "Cadre",
    "CadreAide",
    "CadreLoad",
    "CadreQuerySet",
    "CadreStatus",
    "HoldingMark",
    "HoldingTally",
    "LoadTally",
    "ZoneAssignment",
    "commitment_upload_to",
]
