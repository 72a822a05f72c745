"""Reads for cadres and holdings, always narrowed to the user's scope first."""

from cadres.selectors.access import access_assignment, access_cadre, cadre_holding_counts

__all__ = ["access_assignment", "access_cadre", "cadre_holding_counts"]
