"""Reads for cadres and holdings, always narrowed to the user's scope first."""

from cadres.selectors.access import access_assignment, access_cadre
from cadres.selectors.holdings import (
    access_zone_assignment,
    cadre_holdings_plan,
    candidates_for_entity,
    candidates_for_zone,
    candidates_for_zone_assignment,
    entity_holders,
    zone_current_holding,
)
from cadres.selectors.registers import access_aide, cadre_detail, cadre_list

__all__ = [
    "access_aide",
    "access_assignment",
    "access_cadre",
    "access_zone_assignment",
    "cadre_detail",
    "cadre_holdings_plan",
    "cadre_list",
    "candidates_for_entity",
    "candidates_for_zone",
    "candidates_for_zone_assignment",
    "entity_holders",
    "zone_current_holding",
]
